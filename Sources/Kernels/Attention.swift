/// Causal multi-head self-attention with per-row padding masks.
///
/// qkv holds, per token, the query, key and value vectors side by side: qkv[b,t,:] = [q (C) | k (C) | v (C)], and
/// head h uses channels h·hd ..< (h+1)·hd of each, hd = C/NH. Query i of row b sees key j when j ≤ i and
/// j < length[b] (right padding: padded keys are never seen; padded queries see the valid prefix, and their
/// outputs are ignored by the loss mask). Per (b,h) the work is small GEMMs on strided views of qkv, one per
/// causal block of queries (see `queryBlock`), each single-threaded — lema's AVX-512 GEMM with the head's operands
/// packed once (Attention+AVX512.swift), else OpenBLAS — while the (b,h) pairs are spread over `threads`.
public enum Attention {
    /// - Parameters:
    ///   - out: (B,T,C) attention output before the projection
    ///   - att: (B,NH,T,T) softmax probabilities, saved for backward (zero where masked)
    ///   - qkv: (B,T,3C)
    ///   - lengths: (B) valid tokens per row, or nil for all T
    public static func forward(
        out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
        lengths: UnsafePointer<Int32>?, B: Int, T: Int, C: Int, NH: Int, threads: Int
    ) {
        let hd = C / NH
        let scale = 1 / Float(hd).squareRoot()
        BLAS.ensureSingleThreaded()
        let packSpace = PackSpace(T: T, hd: hd, threads: threads)
        defer { packSpace.free() }
        forEachPairs(B * NH, threads: threads) { slot, pairs in
            for bh in pairs {
                let b = bh / NH, h = bh % NH
                let length = lengths.map { Int($0[b]) } ?? T
                let q = qkv + b * T * 3 * C + h * hd  // (T,hd) with row stride 3C
                let k = q + C, v = q + 2 * C
                let p = att + bh * T * T  // (T,T)
                if let packs = packSpace.packs(thread: slot) {
                    forwardHeadAVX512(
                        out: out + b * T * C + h * hd, p: p, q: q, k: k, v: v, length: length, T: T, C: C, hd: hd,
                        scale: scale, packs: packs)
                    continue
                }
                // scores = scale · Q Kᵀ, per block of queries only against the keys it can see (causal)
                forEachQueryBlock(T) { i0, rows, keys in
                    BLAS.sgemm(
                        transA: false, transB: true, m: rows, n: keys, k: hd, alpha: scale, a: q + i0 * 3 * C,
                        lda: 3 * C, b: k, ldb: 3 * C, beta: 0, c: p + i0 * T, ldc: T)
                }
                for i in 0..<T {
                    maskedSoftmax(p + i * T, visible: min(i + 1, length), count: T)
                }
                // out = P V (the probabilities right of each block's keys are 0)
                forEachQueryBlock(T) { i0, rows, keys in
                    BLAS.sgemm(
                        transA: false, transB: false, m: rows, n: hd, k: keys, alpha: 1, a: p + i0 * T, lda: T, b: v,
                        ldb: 3 * C, beta: 0, c: out + (b * T + i0) * C + h * hd, ldc: C)
                }
            }
        }
    }

    /// Calls `body(slot, pairs)` for pieces of four (row, head) pairs, taken by whichever thread is free (a thread
    /// slowed down by another process takes fewer; split in two fixed halves, the faster thread waited up to 8% of
    /// S's training step); `slot` (< threads) picks the thread's scratch. With OpenBLAS, whose calls here do not
    /// depend on the split either (each pair is computed alone), the same.
    static func forEachPairs(_ count: Int, threads: Int, _ body: (_ slot: Int, _ pairs: Range<Int>) -> Void) {
        Parallel.forEachPiece(count: count, pieceSize: 4, threads: threads, body)
    }

    /// Queries per block of the causal GEMMs: query i sees keys 0...i, so block [i0, i0+rows) needs keys
    /// 0..<i0+rows only; 32-row blocks skip 3/8 of the T = 128 score products. A constant: results never depend on
    /// the thread count.
    static let queryBlock = 32

    /// Calls `body(i0, rows, keys)` for each query block: rows i0..<i0+rows, causal keys 0..<keys.
    @inline(__always)
    static func forEachQueryBlock(_ T: Int, _ body: (_ i0: Int, _ rows: Int, _ keys: Int) -> Void) {
        var i0 = 0
        while i0 < T {
            let rows = min(queryBlock, T - i0)
            body(i0, rows, i0 + rows)
            i0 += rows
        }
    }

    /// Softmax over row[0..<visible] in place; row[visible..<count] set to 0. All zero when visible is 0.
    /// Eight lanes at a time.
    @inline(__always)
    static func maskedSoftmax(_ row: UnsafeMutablePointer<Float>, visible: Int, count: Int) {
        let sum = expShiftedInPlace(row, count: visible, shift: FastMath.max(row, visible))
        scaleInPlace(row, by: visible > 0 ? 1 / sum : 0, count: visible)
        if count > visible { (row + visible).update(repeating: 0, count: count - visible) }
    }

    /// row[0..<count] *= factor, eight lanes at a time.
    @inline(__always)
    static func scaleInPlace(_ row: UnsafeMutablePointer<Float>, by factor: Float, count: Int) {
        var j = 0
        while j + 8 <= count {
            let v = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self) * factor
            UnsafeMutableRawPointer(row + j).storeBytes(of: v, as: SIMD8<Float>.self)
            j += 8
        }
        while j < count {
            row[j] *= factor
            j += 1
        }
    }

    /// x[i] = e^(x[i] − shift) for i < count; returns their sum (eight-lane partial sums, fixed order).
    @inline(__always)
    static func expShiftedInPlace(_ x: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        var acc = SIMD8<Float>()
        var j = 0
        while j + 8 <= count {
            let e = FastMath.exp(UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<Float>.self) - shift)
            UnsafeMutableRawPointer(x + j).storeBytes(of: e, as: SIMD8<Float>.self)
            acc += e
            j += 8
        }
        var sum = acc.sum()
        while j < count {
            let e = FastMath.exp(x[j] - shift)
            x[j] = e
            sum += e
            j += 1
        }
        return sum
    }

    /// dqkv = ∂L/∂qkv (overwritten) from dout (B,T,C).
    /// - Parameters: dqkv (B,T,3C), dout (B,T,C), qkv (B,T,3C), att (B,NH,T,T) from forward,
    ///   scratch (threads,T,T) workspace
    public static func backward(
        dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
        att: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>, B: Int, T: Int, C: Int, NH: Int,
        threads: Int
    ) {
        let hd = C / NH
        let scale = 1 / Float(hd).squareRoot()
        BLAS.ensureSingleThreaded()
        let packSpace = PackSpace(T: T, hd: hd, threads: threads)
        defer { packSpace.free() }
        forEachPairs(B * NH, threads: threads) { slot, pairs in
            let ds = scratch + slot * T * T  // (T,T) this thread's dP, then dS
            for bh in pairs {
                let b = bh / NH, h = bh % NH
                let q = qkv + b * T * 3 * C + h * hd, k = q + C, v = q + 2 * C  // (T,hd), stride 3C
                let dq = dqkv + b * T * 3 * C + h * hd, dk = dq + C, dv = dq + 2 * C  // (T,hd), stride 3C
                let dy = dout + b * T * C + h * hd  // (T,hd), stride C
                let p = att + bh * T * T  // (T,T)
                if let packs = packSpace.packs(thread: slot) {
                    backwardHeadAVX512(
                        dq: dq, dk: dk, dv: dv, ds: ds, dy: dy, p: p, q: q, k: k, v: v, T: T, C: C, hd: hd,
                        scale: scale, packs: packs)
                    continue
                }
                // dP = dY Vᵀ, per query block against its causal keys (dS stays unwritten right of them)
                forEachQueryBlock(T) { i0, rows, keys in
                    BLAS.sgemm(
                        transA: false, transB: true, m: rows, n: keys, k: hd, alpha: 1, a: dy + i0 * C, lda: C, b: v,
                        ldb: 3 * C, beta: 0, c: ds + i0 * T, ldc: T)
                }
                // dS = P ⊙ (dP − Σⱼ P·dP), row by row (masked entries have P = 0 and give 0)
                forEachQueryBlock(T) { i0, rows, keys in
                    for i in i0..<(i0 + rows) {
                        let pr = p + i * T, dr = ds + i * T
                        let rowDot = FastMath.dot(pr, dr, keys)
                        for j in 0..<keys { dr[j] = pr[j] * (dr[j] - rowDot) }
                    }
                }
                // dQ = scale · dS K, per query block over its causal keys
                forEachQueryBlock(T) { i0, rows, keys in
                    BLAS.sgemm(
                        transA: false, transB: false, m: rows, n: hd, k: keys, alpha: scale, a: ds + i0 * T, lda: T,
                        b: k, ldb: 3 * C, beta: 0, c: dq + i0 * 3 * C, ldc: 3 * C)
                }
                // dV = Pᵀ dY and dK = scale · dSᵀ Q, per block of keys [j0, j0+n) over the queries that see them
                // (i ≥ j0; those rows' blocks computed dS up to at least j0+n)
                forEachQueryBlock(T) { j0, n, _ in
                    BLAS.sgemm(
                        transA: true, transB: false, m: n, n: hd, k: T - j0, alpha: 1, a: p + j0 * T + j0, lda: T,
                        b: dy + j0 * C, ldb: C, beta: 0, c: dv + j0 * 3 * C, ldc: 3 * C)
                    BLAS.sgemm(
                        transA: true, transB: false, m: n, n: hd, k: T - j0, alpha: scale, a: ds + j0 * T + j0, lda: T,
                        b: q + j0 * 3 * C, ldb: 3 * C, beta: 0, c: dk + j0 * 3 * C, ldc: 3 * C)
                }
            }
        }
    }
}
