#include "../../shim/kvm.h"
