import KernelsAVX512

extension GEMM {
    /// Row-major C (m, n) = S + A · op(B) with A row-major (m, k), on up to `threads` threads (S as in `sgemm`).
    ///
    /// With the AVX-512 kernel, op(B) is packed once for all threads (each packs some of its panels) and the rows
    /// go in pieces of `AVX512GEMM.pieceRows`, each thread taking the next piece when done with one: a thread
    /// slowed down by another process on its core takes fewer pieces instead of holding the other up (split in two
    /// fixed halves, the faster thread waited ≈ 5% of L's training step), and B is packed once rather than once
    /// per thread. Results are those of one call (the kernel's do not depend on the split). With OpenBLAS: blocks of
    /// `Matmul.rowBlock` rows, each call packing B itself (its results depend on the blocks, which are fixed).
    public static func sgemmRows(
        transB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        bias: UnsafePointer<Float>? = nil, accumulate: Bool, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int
    ) {
        guard backend == .avx512 else {
            Parallel.forEachBlock(count: m, blockSize: Matmul.rowBlock, threads: threads) { rows in
                sgemm(
                    transA: false, transB: transB, m: rows.count, n: n, k: k, a: a + rows.lowerBound * lda, lda: lda,
                    b: b, ldb: ldb, bias: bias, accumulate: accumulate, c: c + rows.lowerBound * ldc, ldc: ldc)
            }
            return
        }
        let pieceRows = AVX512GEMM.pieceRows
        guard threads > 1, m > pieceRows, n > 0, k > 0 else {
            sgemm(transA: false, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, bias: bias,
                  accumulate: accumulate, c: c, ldc: ldc)
            return
        }
        let layout = AVX512GEMM.PackedLayout(k: k, n: n)
        let packed: UnsafePointer<Float>
        if layout.isPacked(rowMajorB: !transB, ldb: ldb) {
            packed = b
        } else {
            let buffer = AVX512GEMM.teamBuffer(floats: layout.floats)
            packB(transposed: transB, b: b, ldb: ldb, layout: layout, into: buffer, threads: threads)
            packed = UnsafePointer(buffer)
        }
        Parallel.forEachPiece(count: m, pieceSize: pieceRows, threads: threads) { _, rows in
            AVX512GEMM.sgemm(
                transA: false, m: rows.count, n: n, k: k, a: a + rows.lowerBound * lda, lda: lda, packed: packed,
                layout: layout, bias: bias, accumulate: accumulate, c: c + rows.lowerBound * ldc, ldc: ldc)
        }
    }

    /// Packs op(B) into `packed` as `layout` describes (`AVX512GEMM.packB`), its panels split over up to `threads`
    /// threads.
    static func packB(
        transposed: Bool, b: UnsafePointer<Float>, ldb: Int, layout: AVX512GEMM.PackedLayout,
        into packed: UnsafeMutablePointer<Float>, threads: Int
    ) {
        Parallel.forEachChunk(count: layout.panels, threads: threads) { panels in
            AVX512GEMM.packB(transposed: transposed, b: b, ldb: ldb, layout: layout, panels: panels, into: packed)
        }
    }
}
