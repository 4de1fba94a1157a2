/// Fully connected layer, torch.nn.Linear layout: out = inp · weightᵀ + bias, weight stored (OC, IC).
/// The products go to single-threaded OpenBLAS calls on fixed-size blocks of the output, spread over the threads
/// (see `BLAS`). Block sizes never depend on the thread count, so neither do the results. Bias and its gradient are
/// plain loops.
public enum Matmul {
    /// Output rows per GEMM call when splitting rows (a multiple of OpenBLAS's 16-row micro-tile).
    /// 1024 rather than 512: every call packs the whole weight again, and the 32×128 = 4096-row training batch
    /// then splits into four calls (measured: fewer packs, same GEMM kernel time).
    static let rowBlock = 1024
    /// Output columns (or weight rows) per GEMM call when splitting those.
    static let columnBlock = 64

    /// - Parameters: out (N,OC), inp (N,IC), weight (OC,IC), bias (OC) or nil
    public static func forward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, N: Int, IC: Int, OC: Int, threads: Int
    ) {
        BLAS.ensureSingleThreaded()
        if N >= OC {
            // Many rows (training, prefill): row blocks; each call packs the (small) weight itself.
            Parallel.forEachBlock(count: N, blockSize: rowBlock, threads: threads) { rows in
                // Start from the bias in every row and let the GEMM accumulate onto it (beta = 1).
                if let bias { for n in rows { (out + n * OC).update(from: bias, count: OC) } }
                BLAS.sgemm(
                    transA: false, transB: true, m: rows.count, n: OC, k: IC, alpha: 1, a: inp + rows.lowerBound * IC,
                    lda: IC, b: weight, ldb: IC, beta: bias == nil ? 0 : 1, c: out + rows.lowerBound * OC, ldc: OC)
            }
        } else {
            // Few rows (decoding): column blocks, so the weight is read and packed once across threads. Every call
            // packs all of `inp`, so use two blocks (rounded to 16 columns; a function of OC only, never of threads).
            let block = max(columnBlock, (OC + 31) / 32 * 16)
            Parallel.forEachBlock(count: OC, blockSize: block, threads: threads) { cols in
                if let bias {
                    for n in 0..<N { (out + n * OC + cols.lowerBound).update(from: bias + cols.lowerBound, count: cols.count) }
                }
                BLAS.sgemm(
                    transA: false, transB: true, m: N, n: cols.count, k: IC, alpha: 1, a: inp, lda: IC,
                    b: weight + cols.lowerBound * IC, ldb: IC, beta: bias == nil ? 0 : 1, c: out + cols.lowerBound,
                    ldc: OC)
            }
        }
    }

    /// dinp = dout · weight (overwritten, or added when `accumulateInput`), dweight += doutᵀ · inp, dbias += Σ dout.
    /// - Parameters: dinp (N,IC) or nil to skip, dweight (OC,IC), dbias (OC) or nil, dout (N,OC), inp (N,IC),
    ///   weight (OC,IC), scratch (2,OC,IC) or nil: with it, the weight gradient is summed over two fixed halves of
    ///   the rows in two calls (each packs half of `inp` and `dout` once) and the halves are added in order — without
    ///   it, blocks of output channels each pack all of `inp`.
    public static func backward(
        dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>?,
        dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        N: Int, IC: Int, OC: Int, accumulateInput: Bool = false, scratch: UnsafeMutablePointer<Float>? = nil,
        threads: Int
    ) {
        BLAS.ensureSingleThreaded()
        if let dinp {
            // dinp rows n depend on dout rows n only: split rows.
            Parallel.forEachBlock(count: N, blockSize: rowBlock, threads: threads) { rows in
                BLAS.sgemm(
                    transA: false, transB: false, m: rows.count, n: IC, k: OC, alpha: 1,
                    a: dout + rows.lowerBound * OC, lda: OC, b: weight, ldb: IC, beta: accumulateInput ? 1 : 0,
                    c: dinp + rows.lowerBound * IC, ldc: IC)
            }
        }
        // dweight rows o (output channels) are independent: split them; each keeps the full sum over N. Every call
        // packs all of `inp`, so use two blocks, rounded to 16 rows (a function of OC only, never of threads; four
        // blocks of 64 rounded up gave 3 blocks for OC = 384 and left one of two threads idle a third of the time).
        if let scratch, N >= 2 {
            // Two halves of the rows (fixed, whatever the thread count), then dweight += half₀ + half₁.
            let half = (N + 1) / 2
            Parallel.forEachChunk(count: 2, threads: threads) { parts in
                for part in parts {
                    let n0 = part * half, rows = min(N, n0 + half) - n0
                    BLAS.sgemm(
                        transA: true, transB: false, m: OC, n: IC, k: rows, alpha: 1, a: dout + n0 * OC, lda: OC,
                        b: inp + n0 * IC, ldb: IC, beta: 0, c: scratch + part * OC * IC, ldc: IC)
                }
            }
            let count = OC * IC
            Parallel.forEachChunk(count: count, threads: Parallel.threads(threads, work: count, minWorkPerThread: 32_768)) { r in
                for i in r { dweight[i] += scratch[i] + scratch[count + i] }
            }
        } else {
            let weightBlock = max(16, (OC + 31) / 32 * 16)
            Parallel.forEachBlock(count: OC, blockSize: weightBlock, threads: threads) { outs in
                BLAS.sgemm(
                    transA: true, transB: false, m: outs.count, n: IC, k: N, alpha: 1, a: dout + outs.lowerBound,
                    lda: OC, b: inp, ldb: IC, beta: 1, c: dweight + outs.lowerBound * IC, ldc: IC)
            }
        }
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
