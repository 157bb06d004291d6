/* the uapi from the system's headers, then the VFIO core's driver API */
#include "kernel.h"
#include_next <linux/vfio.h>
#include "../../shim/vfio.h"
