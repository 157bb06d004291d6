/* the user-space build's kernel basics; see ../../shim/ */
#include "../../shim/bitops.h"
#include "../../shim/device.h"
