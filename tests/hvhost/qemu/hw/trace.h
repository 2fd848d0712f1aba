#include "trace/trace-hw_hyperv_hvhost.h"
