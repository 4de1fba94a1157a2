import KernelsAVX512

/// The per-head products of `Attention` on lema's AVX-512 GEMM: each head's operands are packed once and every
/// causal query block multiplies against the part it needs (through OpenBLAS, each of the 8 per-head calls packed
/// its operands again). Same causal blocks and masks as the OpenBLAS path; the 1/√hd scale is applied to the scores
/// before the softmax and folded into dS once instead of into two GEMMs. Results therefore differ from the OpenBLAS
/// path in the last bits — never with the thread count.
extension Attention {
    typealias Layout = AVX512GEMM.PackedLayout

    /// Packing space of one forward or backward call (AVX-512 GEMM only): `HeadPacks.floatsPerThread` per thread.
    struct PackSpace {
        let floats: UnsafeMutablePointer<Float>?
        let T: Int, hd: Int

        init(T: Int, hd: Int, threads: Int) {
            self.T = T
            self.hd = hd
            floats = GEMM.backend == .avx512
                ? .allocate(capacity: max(1, threads) * HeadPacks.floatsPerThread(T: T, hd: hd)) : nil
        }

        /// Thread `thread`'s packs, or nil on the OpenBLAS path.
        func packs(thread: Int) -> HeadPacks? {
            floats.map { HeadPacks(space: $0, thread: thread, T: T, hd: hd) }
        }

        func free() { floats?.deallocate() }
    }

    /// Packed operands of one head, in a thread's share of the packing space.
    struct HeadPacks {
        let base: UnsafeMutablePointer<Float>
        let slot: Int

        /// Floats per thread: four operands of T × hd in either orientation.
        static func floatsPerThread(T: Int, hd: Int) -> Int {
            4 * slotFloats(T: T, hd: hd)
        }

        static func slotFloats(T: Int, hd: Int) -> Int {
            max(Layout(k: hd, n: T).floats, Layout(k: T, n: hd).floats)
        }

        init(space: UnsafeMutablePointer<Float>, thread: Int, T: Int, hd: Int) {
            slot = HeadPacks.slotFloats(T: T, hd: hd)
            base = space + thread * 4 * slot
        }

        /// Packs op(B) (k, n) — `transposed`: op(B)(i, j) = x[j·ld + i] — into slot `index`.
        func pack(_ index: Int, transposed: Bool, _ x: UnsafePointer<Float>, ld: Int, k: Int, n: Int)
            -> (UnsafePointer<Float>, Layout)
        {
            let dst = base + index * slot
            AVX512GEMM.packB(transposed: transposed, b: x, ldb: ld, k: k, n: n, into: dst)
            return (UnsafePointer(dst), Layout(k: k, n: n))
        }
    }

    /// One head's forward: p (T,T) = softmax(scale · Q Kᵀ) under the causal and padding mask, out (T,hd) = P V.
    /// q, k, v: (T,hd) with row stride 3C; out: (T,hd) with row stride C.
    static func forwardHeadAVX512(
        out: UnsafeMutablePointer<Float>, p: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>,
        k: UnsafePointer<Float>, v: UnsafePointer<Float>, length: Int, T: Int, C: Int, hd: Int, scale: Float,
        packs: HeadPacks
    ) {
        let (keys, keysLayout) = packs.pack(0, transposed: true, k, ld: 3 * C, k: hd, n: T)  // Kᵀ (hd,T)
        let (values, valuesLayout) = packs.pack(1, transposed: false, v, ld: 3 * C, k: T, n: hd)  // V (T,hd)
        forEachQueryBlock(T) { i0, rows, visibleKeys in
            AVX512GEMM.sgemm(
                transA: false, m: rows, n: visibleKeys, k: hd, a: q + i0 * 3 * C, lda: 3 * C, packed: keys,
                layout: keysLayout, accumulate: false, c: p + i0 * T, ldc: T)
        }
        for i in 0..<T {
            let row = p + i * T, visible = min(i + 1, length)
            scaleInPlace(row, by: scale, count: visible)
            maskedSoftmax(row, visible: visible, count: T)
        }
        forEachQueryBlock(T) { i0, rows, visibleKeys in
            AVX512GEMM.sgemm(
                transA: false, m: rows, n: hd, k: visibleKeys, a: p + i0 * T, lda: T, packed: values,
                layout: valuesLayout, accumulate: false, c: out + i0 * C, ldc: C)
        }
    }

    /// One head's backward: dq, dk, dv (T,hd, row stride 3C) from dy (T,hd, stride C), the saved probabilities p
    /// (T,T) and q, k, v; ds (T,T) is workspace.
    static func backwardHeadAVX512(
        dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>,
        ds: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, p: UnsafePointer<Float>, q: UnsafePointer<Float>,
        k: UnsafePointer<Float>, v: UnsafePointer<Float>, T: Int, C: Int, hd: Int, scale: Float, packs: HeadPacks
    ) {
        let (valuesT, valuesTLayout) = packs.pack(0, transposed: true, v, ld: 3 * C, k: hd, n: T)  // Vᵀ (hd,T)
        let (keys, keysLayout) = packs.pack(1, transposed: false, k, ld: 3 * C, k: T, n: hd)  // K (T,hd)
        let (grads, gradsLayout) = packs.pack(2, transposed: false, dy, ld: C, k: T, n: hd)  // dY (T,hd)
        let (queries, queriesLayout) = packs.pack(3, transposed: false, q, ld: 3 * C, k: T, n: hd)  // Q (T,hd)
        // dP = dY Vᵀ per query block against its causal keys, then dS = scale · P ⊙ (dP − Σⱼ P·dP) row by row
        forEachQueryBlock(T) { i0, rows, visibleKeys in
            AVX512GEMM.sgemm(
                transA: false, m: rows, n: visibleKeys, k: hd, a: dy + i0 * C, lda: C, packed: valuesT,
                layout: valuesTLayout, accumulate: false, c: ds + i0 * T, ldc: T)
            for i in i0..<(i0 + rows) {
                let pr = p + i * T, dr = ds + i * T
                let rowDot = FastMath.dot(pr, dr, visibleKeys)
                for j in 0..<visibleKeys { dr[j] = scale * (pr[j] * (dr[j] - rowDot)) }
            }
        }
        // dQ = dS K per query block over its causal keys
        forEachQueryBlock(T) { i0, rows, visibleKeys in
            AVX512GEMM.sgemm(
                transA: false, m: rows, n: hd, k: visibleKeys, a: ds + i0 * T, lda: T, packed: keys,
                layout: keysLayout, accumulate: false, c: dq + i0 * 3 * C, ldc: 3 * C)
        }
        // dV = Pᵀ dY and dK = dSᵀ Q per block of keys [j0, j0+n) over the queries that see them (i ≥ j0)
        forEachQueryBlock(T) { j0, n, _ in
            AVX512GEMM.sgemm(
                transA: true, m: n, n: hd, k: T - j0, a: p + j0 * T + j0, lda: T, packed: grads, layout: gradsLayout,
                k0: j0, accumulate: false, c: dv + j0 * 3 * C, ldc: 3 * C)
            AVX512GEMM.sgemm(
                transA: true, m: n, n: hd, k: T - j0, a: ds + j0 * T + j0, lda: T, packed: queries,
                layout: queriesLayout, k0: j0, accumulate: false, c: dk + j0 * 3 * C, ldc: 3 * C)
        }
    }
}
