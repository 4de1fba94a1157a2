#if canImport(Glibc)
import Glibc
#endif
import KernelsAVX512

/// The GEMM every kernel calls: lema's own AVX-512 kernel (`AVX512GEMM`) on CPUs that have AVX-512, OpenBLAS
/// otherwise. Single-threaded per call; callers split C over their threads. Each backend sums every element of C
/// in one fixed order, so results never depend on the thread count (they do differ between backends, i.e.
/// between CPUs with and without AVX-512).
public enum GEMM {
    /// Which implementation `sgemm` runs; the raw value is what `LEMA_GEMM` accepts.
    public enum Backend: String, Sendable {
        /// lema's `AVX512GEMM`, used when the CPU supports it.
        case avx512 = "avx512"
        /// OpenBLAS `cblas_sgemm`, single-threaded.
        case openBLAS = "openblas"
    }

    /// Whether results are independent of how callers split C: true for `avx512` (every element is summed in one
    /// order wherever its tile lies), false for OpenBLAS (edge kernels sum in another order), whose callers must
    /// split C into blocks of fixed size to stay thread-count independent.
    public static var splitIndependent: Bool { backend == .avx512 }

    /// Chosen once per process: `LEMA_GEMM=openblas` forces OpenBLAS (to compare); `LEMA_GEMM=avx512` is honoured
    /// only when the CPU has the instructions.
    public static let backend: Backend = {
        let forced = getenv("LEMA_GEMM").map { String(cString: $0).lowercased() }
        if forced == Backend.openBLAS.rawValue || !hasAVX512 { return .openBLAS }
        return .avx512
    }()

    /// Whether the CPU (and the OS, which clears the flags of register state it does not save) supports the
    /// AVX-512 subsets `KernelsAVX512` is compiled for: F, CD, BW, DQ, VL.
    public static let hasAVX512: Bool = {
        #if os(Linux) && arch(x86_64)
        guard let flags = BLAS.cpuFlags() else { return false }
        return ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy { flags.contains(Substring($0)) }
        #else
        return false
        #endif
    }()

    /// Row-major C (m, n) = S + op(A) · op(B), S = C when `accumulate`, else `bias` (n values) in every row, else 0;
    /// op(A) (m, k), op(B) (k, n); strides in elements. `using` picks a backend for comparisons (benchmarks, tests);
    /// `.avx512` falls back to OpenBLAS on CPUs without.
    @inline(__always)
    public static func sgemm(
        using chosen: Backend = backend, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, bias: UnsafePointer<Float>? = nil, accumulate: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        switch chosen {
        case .avx512 where hasAVX512:
            AVX512GEMM.sgemm(
                transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                bias: bias, accumulate: accumulate, c: c, ldc: ldc)
        case .avx512, .openBLAS:
            BLAS.ensureSingleThreaded()
            // OpenBLAS has no bias: start every row from it and accumulate onto it.
            if let bias, !accumulate { for i in 0..<m { (c + i * ldc).update(from: bias, count: n) } }
            BLAS.sgemm(
                transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb,
                beta: accumulate || bias != nil ? 1 : 0, c: c, ldc: ldc)
        }
    }
}
