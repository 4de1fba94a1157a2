/// Fully connected layer, torch.nn.Linear layout: out = inp · weightᵀ + bias, weight stored (OC, IC).
/// The product goes to OpenBLAS (`BLAS.sgemm`); bias and its gradient are plain loops.
public enum Matmul {
    /// - Parameters: out (N,OC), inp (N,IC), weight (OC,IC), bias (OC) or nil
    public static func forward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, N: Int, IC: Int, OC: Int, threads: Int
    ) {
        if let bias {
            // Start from the bias in every row and let the GEMM accumulate onto it (beta = 1).
            Parallel.forEachChunk(count: N, threads: threads) { rows in
                for n in rows { (out + n * OC).update(from: bias, count: OC) }
            }
        }
        BLAS.useThreads(threads)
        BLAS.sgemm(
            transA: false, transB: true, m: N, n: OC, k: IC, alpha: 1, a: inp, lda: IC, b: weight, ldb: IC,
            beta: bias == nil ? 0 : 1, c: out, ldc: OC)
    }

    /// dinp = dout · weight (overwritten, or added when `accumulateInput`), dweight += doutᵀ · inp, dbias += Σ dout.
    /// - Parameters: dinp (N,IC) or nil to skip, dweight (OC,IC), dbias (OC) or nil, dout (N,OC), inp (N,IC),
    ///   weight (OC,IC)
    public static func backward(
        dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>?,
        dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        N: Int, IC: Int, OC: Int, accumulateInput: Bool = false, threads: Int
    ) {
        BLAS.useThreads(threads)
        if let dinp {
            BLAS.sgemm(
                transA: false, transB: false, m: N, n: IC, k: OC, alpha: 1, a: dout, lda: OC, b: weight, ldb: IC,
                beta: accumulateInput ? 1 : 0, c: dinp, ldc: IC)
        }
        BLAS.sgemm(
            transA: true, transB: false, m: OC, n: IC, k: N, alpha: 1, a: dout, lda: OC, b: inp, ldb: IC,
            beta: 1, c: dweight, ldc: IC)
        if let dbias {
            // Threads split the output channels; rows are summed in order (thread-count independent).
            Parallel.forEachChunk(count: OC, threads: threads) { cs in
                for n in 0..<N {
                    let d = dout + n * OC
                    for o in cs { dbias[o] += d[o] }
                }
            }
        }
    }
}
