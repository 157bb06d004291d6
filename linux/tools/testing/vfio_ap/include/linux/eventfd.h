#include "vfio.h"
