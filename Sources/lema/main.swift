import Foundation
import Kernels
import LemaCLI

// OpenBLAS picks its kernels when it loads, from its environment (OPENBLAS_CORETYPE, OPENBLAS_NUM_THREADS); on CPUs
// newer than the library it falls back to a slow generic kernel. Restart once with the missing settings (explicit
// settings are always kept); execv returns only on failure, and then we carry on with the kernel we have.
let missing = BLAS.missingEnvironment()
if !missing.isEmpty {
    for setting in missing { setenv(setting.name, setting.value, 1) }
    var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) } + [nil]
    execv("/proc/self/exe", &argv)
}
LemaCommand.runMain()
