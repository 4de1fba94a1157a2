import COpenBLAS

/// Thin access to OpenBLAS.
///
/// OpenBLAS keeps its thread count in one process-global variable, and its idle worker threads spin
/// (sched_yield) between calls — costly for the many small GEMMs of a tiny model and unfair to other work on the
/// machine. So OpenBLAS always runs single-threaded here (`ensureSingleThreaded`), and the kernels split each
/// GEMM into fixed row blocks themselves, spread over the threads the caller passed (`Parallel`). That keeps the
/// `threads` argument exact and per call (two models in one process never fight over the global), and results
/// never depend on the thread count: a row block changes which call computes an output element, not the order
/// of its reduction (tests check bit-identity between 1 and 2 threads).
public enum BLAS {
    /// OpenBLAS set to one thread, exactly once: a static `let` is initialised once under the runtime's
    /// `swift_once`, so threads racing into the first GEMM all wait for the one call (no data race).
    private static let singleThreaded: Void = openblas_set_num_threads(1)

    /// Sets OpenBLAS to one thread (once; later calls cost the `swift_once` fast path: a load and a compare).
    @inline(__always)
    public static func ensureSingleThreaded() {
        _ = singleThreaded
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

    /// Row-major single-precision GEMV: y = alpha · op(A) · x + beta · y, A stored (m,n) with row stride lda.
    @inline(__always)
    public static func sgemv(
        transA: Bool, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
        beta: Float, y: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemv(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, blasint(m), blasint(n), alpha, a, blasint(lda), x, 1,
            beta, y, 1)
    }
}
