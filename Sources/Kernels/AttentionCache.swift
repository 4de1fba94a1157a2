/// Attention against a key/value cache, for generation: prefill stores keys and values of a whole (padded)
/// prompt; each decode step appends one token per row at that row's own position and attends to every cached
/// position up to and including it.
extension Attention {
    /// Copies keys and values of positions 0..<T into the caches.
    /// - Parameters: kCache, vCache (B,NH,maxT,hd); qkv (B,T,3C)
    public static func fillCache(
        kCache: UnsafeMutablePointer<Float>, vCache: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
        B: Int, T: Int, C: Int, NH: Int, maxT: Int, threads: Int
    ) {
        let hd = C / NH
        Parallel.forEachChunk(count: B * NH, threads: threads) { pairs in
            for bh in pairs {
                let b = bh / NH, h = bh % NH
                for t in 0..<T {
                    let src = qkv + (b * T + t) * 3 * C + h * hd
                    (kCache + (bh * maxT + t) * hd).update(from: src + C, count: hd)
                    (vCache + (bh * maxT + t) * hd).update(from: src + 2 * C, count: hd)
                }
            }
        }
    }

    /// One decode step: row b's new key/value go to position positions[b], and its query attends to 0...positions[b].
    /// - Parameters: out (B,C), qkv (B,3C) of the new tokens, kCache/vCache (B,NH,maxT,hd), positions (B),
    ///   scratch (threads,maxT)
    public static func decode(
        out: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>, kCache: UnsafeMutablePointer<Float>,
        vCache: UnsafeMutablePointer<Float>, positions: UnsafePointer<Int32>, scratch: UnsafeMutablePointer<Float>,
        B: Int, C: Int, NH: Int, maxT: Int, threads: Int
    ) {
        let hd = C / NH
        let scale = 1 / Float(hd).squareRoot()
        // Each pair is a few thousand multiply-adds: BLAS GEMV calls (and their argument checks) cost more than the
        // arithmetic, so the dot products and the weighted sum of values are written out here.
        Parallel.forEachChunkIndexed(count: B * NH, threads: threads) { chunk, pairs in
            let scores = scratch + chunk * maxT  // (maxT)
            for bh in pairs {
                let b = bh / NH, h = bh % NH
                let pos = Int(positions[b])
                let q = qkv + b * 3 * C + h * hd  // (hd)
                let kc = kCache + bh * maxT * hd, vc = vCache + bh * maxT * hd  // (maxT,hd)
                (kc + pos * hd).update(from: q + C, count: hd)
                (vc + pos * hd).update(from: q + 2 * C, count: hd)
                // scores = scale · K[0...pos] q
                for j in 0...pos { scores[j] = scale * FastMath.dot(kc + j * hd, q, hd) }
                maskedSoftmax(scores, visible: pos + 1, count: pos + 1)
                // out = V[0...pos]ᵀ p, summed over positions in order
                let o = out + b * C + h * hd  // (hd)
                o.update(repeating: 0, count: hd)
                for j in 0...pos { FastMath.axpy(scores[j], vc + j * hd, o, hd) }
            }
        }
    }
}
