import Kernels
import LemaCLI

// OpenBLAS picks its kernels when it loads, from OPENBLAS_CORETYPE; on CPUs newer than the library it falls back to
// a slow generic kernel. Restart once with a suitable setting (an explicit setting is always kept).
BLAS.reexecWithFasterKernelIfNeeded()
LemaCommand.runMain()
