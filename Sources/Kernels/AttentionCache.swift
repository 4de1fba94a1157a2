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
        Parallel.forEachChunkIndexed(count: B * NH, threads: threads) { chunk, pairs in
            let scores = scratch + chunk * maxT  // (maxT)
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

    /// scores[j] = scale · Σ_c q[c]·kt[c,j] for j < count. Each sum runs as two fused multiply-add chains, over even
    /// and odd channels, added at the end: the vector lanes and the scalar tail give the same bits, and eight
    /// independent accumulators keep the adds from waiting on each other.
    @inline(__always)
    static func keyScores(
        _ scores: UnsafeMutablePointer<Float>, query q: UnsafePointer<Float>, keysT kt: UnsafePointer<Float>,
        hd: Int, maxT: Int, count n: Int, scale: Float
    ) {
        typealias V = SIMD8<Float>
        func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }
        let pairs = hd / 2
        var j = 0
        while j + 32 <= n {
            var e0 = V(), e1 = V(), e2 = V(), e3 = V(), o0 = V(), o1 = V(), o2 = V(), o3 = V()
            for c2 in 0..<pairs {
                let qe = V(repeating: q[2 * c2]), qo = V(repeating: q[2 * c2 + 1])
                let re = kt + 2 * c2 * maxT + j, ro = re + maxT
                e0.addProduct(qe, load(re))
                e1.addProduct(qe, load(re + 8))
                e2.addProduct(qe, load(re + 16))
                e3.addProduct(qe, load(re + 24))
                o0.addProduct(qo, load(ro))
                o1.addProduct(qo, load(ro + 8))
                o2.addProduct(qo, load(ro + 16))
                o3.addProduct(qo, load(ro + 24))
            }
            if hd % 2 == 1 {
                let ql = V(repeating: q[hd - 1]), rl = kt + (hd - 1) * maxT + j
                e0.addProduct(ql, load(rl))
                e1.addProduct(ql, load(rl + 8))
                e2.addProduct(ql, load(rl + 16))
                e3.addProduct(ql, load(rl + 24))
            }
            store((e0 + o0) * scale, scores + j)
            store((e1 + o1) * scale, scores + j + 8)
            store((e2 + o2) * scale, scores + j + 16)
            store((e3 + o3) * scale, scores + j + 24)
            j += 32
        }
        while j + 8 <= n {
            var e = V(), o = V()
            for c2 in 0..<pairs {
                e.addProduct(V(repeating: q[2 * c2]), load(kt + 2 * c2 * maxT + j))
                o.addProduct(V(repeating: q[2 * c2 + 1]), load(kt + (2 * c2 + 1) * maxT + j))
            }
            if hd % 2 == 1 { e.addProduct(V(repeating: q[hd - 1]), load(kt + (hd - 1) * maxT + j)) }
            store((e + o) * scale, scores + j)
            j += 8
        }
        while j < n {
            var e: Float = 0, o: Float = 0
            for c2 in 0..<pairs {
                e.addProduct(q[2 * c2], kt[2 * c2 * maxT + j])
                o.addProduct(q[2 * c2 + 1], kt[(2 * c2 + 1) * maxT + j])
            }
            if hd % 2 == 1 { e.addProduct(q[hd - 1], kt[(hd - 1) * maxT + j]) }
            scores[j] = (e + o) * scale
            j += 1
        }
    }

    /// out[c] = Σ_j p[j]·v[j,c] for c < hd, as two fused multiply-add chains over even and odd positions added at
    /// the end (vector lanes and the scalar tail agree).
    @inline(__always)
    static func weightedValues(
        _ out: UnsafeMutablePointer<Float>, probs p: UnsafePointer<Float>, values v: UnsafePointer<Float>, hd: Int,
        count n: Int
    ) {
        typealias V = SIMD8<Float>
        func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        func store(_ x: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: x, as: V.self) }
        let pairs = n / 2
        var c = 0
        while c + 32 <= hd {
            var e0 = V(), e1 = V(), e2 = V(), e3 = V(), o0 = V(), o1 = V(), o2 = V(), o3 = V()
            for j2 in 0..<pairs {
                let pe = V(repeating: p[2 * j2]), po = V(repeating: p[2 * j2 + 1])
                let re = v + 2 * j2 * hd + c, ro = re + hd
                e0.addProduct(pe, load(re))
                e1.addProduct(pe, load(re + 8))
                e2.addProduct(pe, load(re + 16))
                e3.addProduct(pe, load(re + 24))
                o0.addProduct(po, load(ro))
                o1.addProduct(po, load(ro + 8))
                o2.addProduct(po, load(ro + 16))
                o3.addProduct(po, load(ro + 24))
            }
            if n % 2 == 1 {
                let pl = V(repeating: p[n - 1]), rl = v + (n - 1) * hd + c
                e0.addProduct(pl, load(rl))
                e1.addProduct(pl, load(rl + 8))
                e2.addProduct(pl, load(rl + 16))
                e3.addProduct(pl, load(rl + 24))
            }
            store(e0 + o0, out + c)
            store(e1 + o1, out + c + 8)
            store(e2 + o2, out + c + 16)
            store(e3 + o3, out + c + 24)
            c += 32
        }
        while c + 8 <= hd {
            var e = V(), o = V()
            for j2 in 0..<pairs {
                e.addProduct(V(repeating: p[2 * j2]), load(v + 2 * j2 * hd + c))
                o.addProduct(V(repeating: p[2 * j2 + 1]), load(v + (2 * j2 + 1) * hd + c))
            }
            if n % 2 == 1 { e.addProduct(V(repeating: p[n - 1]), load(v + (n - 1) * hd + c)) }
            store(e + o, out + c)
            c += 8
        }
        while c < hd {
            var e: Float = 0, o: Float = 0
            for j2 in 0..<pairs {
                e.addProduct(p[2 * j2], v[2 * j2 * hd + c])
                o.addProduct(p[2 * j2 + 1], v[(2 * j2 + 1) * hd + c])
            }
            if n % 2 == 1 { e.addProduct(p[n - 1], v[(n - 1) * hd + c]) }
            out[c] = e + o
            c += 1
        }
    }
}
