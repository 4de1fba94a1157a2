/// Fully connected layer, torch.nn.Linear layout: out = inp · weightᵀ + bias, weight stored (OC, IC).
/// The products go to single-threaded `GEMM` calls on parts of the output, spread over the threads. With OpenBLAS
/// the parts are blocks of fixed size (see `BLAS`); with lema's AVX-512 GEMM (whose results do not depend on the
/// split) pieces taken by whichever thread is free (`GEMM.sgemmRows`, decode panels), or one part per thread;
/// either way the results never depend on the thread count. The bias is the GEMM's starting value; its gradient
/// is a plain loop.
public enum Matmul {
    /// Output rows per OpenBLAS call when splitting rows (a multiple of OpenBLAS's 16-row micro-tile).
    /// 1024 rather than 512: every call packs the whole weight again, and the 32×128 = 4096-row training batch
    /// then splits into four calls (measured: fewer packs, same GEMM kernel time).
    static let rowBlock = 1024
    /// Output columns (or weight rows) per GEMM call when splitting those.
    static let columnBlock = 64

    /// - Parameters: out (N,OC), inp (N,IC), weight (OC,IC), bias (OC) or nil; packed: the same weight packed
    ///   (`PackedWeight`), used instead of packing it again
    public static func forward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, N: Int, IC: Int, OC: Int, packed: PackedWeight? = nil, threads: Int
    ) {
        if let packed {
            assert(packed.OC == OC && packed.IC == IC, "packed weight (\(packed.OC), \(packed.IC)) used as (\(OC), \(IC))")
            // Results do not depend on the split (AVX-512 GEMM): rows when there are many, else whole panels of
            // columns, so each thread reads only its part of the weight.
            if N >= OC {
                Parallel.forEachChunk(count: N, threads: threads) { rows in
                    packed.forward(out: out + rows.lowerBound * OC, inp: inp + rows.lowerBound * IC, bias: bias,
                                   rows: rows.count, columns: 0..<OC)
                }
            } else {
                // Pieces of two panels taken by whichever thread is free (a thread slowed down by another process
                // takes fewer); two, so that a piece's first panel fetches the second ahead (see AVX512GEMM.run).
                let width = packed.panelWidth
                Parallel.forEachPiece(count: OC, pieceSize: 2 * width, threads: threads) { _, columns in
                    packed.forward(out: out, inp: inp, bias: bias, rows: N, columns: columns)
                }
            }
            return
        }
        if N >= OC {
            // Many rows (training, prefill): rows in pieces over the threads, the weight packed once for all of
            // them (see `GEMM.sgemmRows`). The GEMM starts every row from the bias.
            GEMM.sgemmRows(
                transB: true, m: N, n: OC, k: IC, a: inp, lda: IC, b: weight, ldb: IC, bias: bias, accumulate: false,
                c: out, ldc: OC, threads: threads)
        } else {
            // Few rows (decoding): column blocks, so the weight is read and packed once across threads. Every call
            // packs all of `inp`, so use two blocks (rounded to 16 columns; a function of OC only, never of threads).
            let block = max(columnBlock, (OC + 31) / 32 * 16)
            Parallel.forEachBlock(count: OC, blockSize: block, threads: threads) { cols in
                GEMM.sgemm(
                    transA: false, transB: true, m: N, n: cols.count, k: IC, a: inp, lda: IC,
                    b: weight + cols.lowerBound * IC, ldb: IC, bias: bias.map { $0 + cols.lowerBound },
                    accumulate: false, c: out + cols.lowerBound, ldc: OC)
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
        if let dinp {
            // dinp rows n depend on dout rows n only: split rows.
            GEMM.sgemmRows(
                transB: false, m: N, n: IC, k: OC, a: dout, lda: OC, b: weight, ldb: IC, accumulate: accumulateInput,
                c: dinp, ldc: IC, threads: threads)
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
                    GEMM.sgemm(
                        transA: true, transB: false, m: OC, n: IC, k: rows, a: dout + n0 * OC, lda: OC,
                        b: inp + n0 * IC, ldb: IC, accumulate: false, c: scratch + part * OC * IC, ldc: IC)
                }
            }
            let count = OC * IC
            Parallel.forEachChunk(count: count, threads: Parallel.threads(threads, work: count, minWorkPerThread: 32_768)) { r in
                for i in r { dweight[i] += scratch[i] + scratch[count + i] }
            }
        } else {
            let weightBlock = max(16, (OC + 31) / 32 * 16)
            Parallel.forEachBlock(count: OC, blockSize: weightBlock, threads: threads) { outs in
                GEMM.sgemm(
                    transA: true, transB: false, m: outs.count, n: IC, k: N, a: dout + outs.lowerBound,
                    lda: OC, b: inp, ldb: IC, accumulate: true, c: dweight + outs.lowerBound * IC, ldc: IC)
            }
        }
        if let dbias { addColumnSums(into: dbias, rows: dout, N: N, C: OC, threads: threads) }
    }

    /// sums[c] += Σₙ rows[n, c], rows (N, C). Threads split the channels, 32 at a time kept in registers through
    /// all rows; each channel's rows are added in order, so the bits never depend on the split.
    public static func addColumnSums(
        into sums: UnsafeMutablePointer<Float>, rows: UnsafePointer<Float>, N: Int, C: Int, threads: Int
    ) {
        typealias V = SIMD8<Float>
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        @inline(__always) func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
        }
        Parallel.forEachChunk(count: (C + 31) / 32, threads: threads) { groups in
            for g in groups {
                let c0 = g * 32
                if c0 + 32 <= C {
                    var s0 = load(sums + c0), s1 = load(sums + c0 + 8), s2 = load(sums + c0 + 16), s3 = load(sums + c0 + 24)
                    for n in 0..<N {
                        let r = rows + n * C + c0
                        s0 += load(r); s1 += load(r + 8); s2 += load(r + 16); s3 += load(r + 24)
                    }
                    store(s0, sums + c0); store(s1, sums + c0 + 8); store(s2, sums + c0 + 16); store(s3, sums + c0 + 24)
                } else {
                    for n in 0..<N {
                        let r = rows + n * C
                        for c in c0..<C { sums[c] += r[c] }
                    }
                }
            }
        }
    }
}
