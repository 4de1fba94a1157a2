// The header's inline functions are the whole target; SwiftPM needs one source file to build a C module.
#include "cpu_hints.h"
