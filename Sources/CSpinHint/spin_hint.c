// The header's inline function is the whole target; SwiftPM needs one source file to build a C module.
#include "spin_hint.h"
