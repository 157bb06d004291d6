#include "../shim/ap.h"
