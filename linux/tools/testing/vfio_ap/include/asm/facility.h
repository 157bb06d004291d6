#include "../../shim/ap.h"
