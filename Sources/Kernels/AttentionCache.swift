import KernelsAVX512
import LaneMath

/// Attention against a key/value cache, for generation: prefill stores keys and values of a whole (padded)
/// prompt; each decode step appends one token per row at that row's own position and attends to every cached
/// position up to and including it.
///
/// Layouts: kCache (B,NH,hd,maxT) — keys transposed, so the scores of eight consecutive positions are one vector
/// of multiply-adds with no horizontal sums; vCache (B,NH,maxT,hd). Only these two functions read or write them.
extension Attention {
    /// Copies keys and values of positions 0..<T into the caches.
    /// - Parameters: kCache (B,NH,hd,maxT), vCache (B,NH,maxT,hd); qkv (B,T,3C)
    public static func fillCache(
        kCache: UnsafeMutablePointer<Float>, vCache: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
        B: Int, T: Int, C: Int, NH: Int, maxT: Int, threads: Int
    ) {
        let hd = C / NH
        Parallel.forEachChunk(count: B * NH, threads: threads) { pairs in
            for bh in pairs {
                let b = bh / NH, h = bh % NH
                let kt = kCache + bh * maxT * hd  // (hd,maxT)
                for t in 0..<T {
                    let src = qkv + (b * T + t) * 3 * C + h * hd
                    for c in 0..<hd { kt[c * maxT + t] = src[C + c] }
                    (vCache + (bh * maxT + t) * hd).update(from: src + 2 * C, count: hd)
                }
            }
        }
    }

    /// One decode step: row b's new key/value go to position positions[b], and its query attends to 0...positions[b].
    /// - Parameters: out (B,C), qkv (B,3C) of the new tokens, kCache (B,NH,hd,maxT), vCache (B,NH,maxT,hd),
    ///   positions (B), scratch (threads,maxT)
    public static func decode(
        out: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>, kCache: UnsafeMutablePointer<Float>,
        vCache: UnsafeMutablePointer<Float>, positions: UnsafePointer<Int32>, scratch: UnsafeMutablePointer<Float>,
        B: Int, C: Int, NH: Int, maxT: Int, threads: Int
    ) {
        let hd = C / NH
        let scale = 1 / Float(hd).squareRoot()
        // Each pair is a few thousand multiply-adds: BLAS GEMV calls cost more than the arithmetic, so the loops
        // are written out, vectorised over positions (scores) and over channels (values).
        // Pieces of 8 pairs taken by whichever thread is free (a thread slowed down by another process takes fewer).
        Parallel.forEachPiece(count: B * NH, pieceSize: 8, threads: threads) { slot, pairs in
            let scores = scratch + slot * maxT  // (maxT)
            for bh in pairs {
                let b = bh / NH, h = bh % NH
                let pos = Int(positions[b])
                let q = qkv + b * 3 * C + h * hd  // (hd)
                let kt = kCache + bh * maxT * hd, vc = vCache + bh * maxT * hd  // (hd,maxT), (maxT,hd)
                for c in 0..<hd { kt[c * maxT + pos] = q[C + c] }
                (vc + pos * hd).update(from: q + 2 * C, count: hd)
                keyScores(scores, query: q, keysT: kt, hd: hd, maxT: maxT, count: pos + 1, scale: scale)
                maskedSoftmax(scores, visible: pos + 1, count: pos + 1)
                weightedValues(out + b * C + h * hd, probs: scores, values: vc, hd: hd, count: pos + 1)
            }
        }
    }

    /// scores[j] = scale · Σ_c q[c]·kt[c,j] for j < count (`DecodeAttention.keyScores`), sixteen positions per
    /// vector on AVX-512 CPUs, eight elsewhere — the same bits either way.
    @inline(__always)
    static func keyScores(
        _ scores: UnsafeMutablePointer<Float>, query q: UnsafePointer<Float>, keysT kt: UnsafePointer<Float>,
        hd: Int, maxT: Int, count n: Int, scale: Float
    ) {
        if GEMM.hasAVX512 {
            DecodeAttention512.keyScores(scores, query: q, keysT: kt, hd: hd, maxT: maxT, count: n, scale: scale)
        } else {
            DecodeAttention.keyScores(SIMD8<Float>.self, scores, query: q, keysT: kt, hd: hd, maxT: maxT, count: n, scale: scale)
        }
    }

    /// out[c] = Σ_j p[j]·v[j,c] for c < hd (`DecodeAttention.weightedValues`), sixteen channels per vector on
    /// AVX-512 CPUs, eight elsewhere — the same bits either way.
    @inline(__always)
    static func weightedValues(
        _ out: UnsafeMutablePointer<Float>, probs p: UnsafePointer<Float>, values v: UnsafePointer<Float>, hd: Int,
        count n: Int
    ) {
        if GEMM.hasAVX512 {
            DecodeAttention512.weightedValues(out, probs: p, values: v, hd: hd, count: n)
        } else {
            DecodeAttention.weightedValues(SIMD8<Float>.self, out, probs: p, values: v, hd: hd, count: n)
        }
    }
}
