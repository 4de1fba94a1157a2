import COpenBLAS

/// Thin access to OpenBLAS.
///
/// OpenBLAS keeps its thread count in one process-global variable. Kernels therefore set it right before every
/// GEMM to the `threads` the caller passed (`BLAS.useThreads`), and attention sets it to 1 while it runs many small
/// GEMMs on its own `concurrentPerform` threads. The value is cached so repeated calls cost a compare. Two models
/// running concurrently in one process with different thread budgets would race on that global; that only changes
/// speed, never results: OpenBLAS splits GEMMs over rows/columns of the output, not over the reduction dimension,
/// so every output element is the same sum in the same order whatever the thread count (tests check this).
public enum BLAS {
    nonisolated(unsafe) private static var current: Int32 = -1

    /// Makes the following GEMMs on this process use `threads` OpenBLAS threads.
    @inline(__always)
    public static func useThreads(_ threads: Int) {
        let t = Int32(max(1, threads))
        if t != current {
            current = t
            openblas_set_num_threads(t)
        }
    }

    /// The CPU kernel family OpenBLAS selected (e.g. "Haswell", "SkylakeX"; "Prescott" means a slow SSE3 fallback,
    /// fixed by setting OPENBLAS_CORETYPE before the process starts).
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// Row-major single-precision GEMM: C = alpha · op(A) · op(B) + beta · C, with op(X) = X or Xᵀ.
    /// Shapes: op(A) (m,k), op(B) (k,n), C (m,n); `lda`, `ldb`, `ldc` are row strides in elements.
    @inline(__always)
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
}
