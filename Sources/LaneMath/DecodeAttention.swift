/// The two loops of one decode step's attention for one (row, head), generic over the lane width (8 in Kernels,
/// 16 in KernelsAVX512). Lanes run over positions (scores) and over channels (values), never over a sum, so every
/// width — and the scalar tails — compute each output with the same operations in the same order: same bits.
public enum DecodeAttention {
    /// scores[j] = scale · Σ_c q[c]·kt[c,j] for j < count, kt (hd, maxT) row-major. Each sum runs as two fused
    /// multiply-add chains, over even and odd channels, added at the end; four vectors of positions at a time keep
    /// eight independent accumulators.
    @inlinable @inline(__always)
    public static func keyScores<V: FloatLanes>(
        _: V.Type, _ scores: UnsafeMutablePointer<Float>, query q: UnsafePointer<Float>, keysT kt: UnsafePointer<Float>,
        hd: Int, maxT: Int, count n: Int, scale: Float
    ) {
        let w = V.laneCount, pairs = hd / 2, s = V(scale)
        var j = 0
        while j + 4 * w <= n {
            var e0 = V(0), e1 = V(0), e2 = V(0), e3 = V(0), o0 = V(0), o1 = V(0), o2 = V(0), o3 = V(0)
            for c2 in 0..<pairs {
                let qe = V(q[2 * c2]), qo = V(q[2 * c2 + 1])
                let re = kt + 2 * c2 * maxT + j, ro = re + maxT
                e0.addProduct(qe, V.load(re)); e1.addProduct(qe, V.load(re + w))
                e2.addProduct(qe, V.load(re + 2 * w)); e3.addProduct(qe, V.load(re + 3 * w))
                o0.addProduct(qo, V.load(ro)); o1.addProduct(qo, V.load(ro + w))
                o2.addProduct(qo, V.load(ro + 2 * w)); o3.addProduct(qo, V.load(ro + 3 * w))
            }
            if hd % 2 == 1 {
                let ql = V(q[hd - 1]), rl = kt + (hd - 1) * maxT + j
                e0.addProduct(ql, V.load(rl)); e1.addProduct(ql, V.load(rl + w))
                e2.addProduct(ql, V.load(rl + 2 * w)); e3.addProduct(ql, V.load(rl + 3 * w))
            }
            ((e0 + o0) * s).store(scores + j); ((e1 + o1) * s).store(scores + j + w)
            ((e2 + o2) * s).store(scores + j + 2 * w); ((e3 + o3) * s).store(scores + j + 3 * w)
            j += 4 * w
        }
        while j + w <= n {
            var e = V(0), o = V(0)
            for c2 in 0..<pairs {
                e.addProduct(V(q[2 * c2]), V.load(kt + 2 * c2 * maxT + j))
                o.addProduct(V(q[2 * c2 + 1]), V.load(kt + (2 * c2 + 1) * maxT + j))
            }
            if hd % 2 == 1 { e.addProduct(V(q[hd - 1]), V.load(kt + (hd - 1) * maxT + j)) }
            ((e + o) * s).store(scores + j)
            j += w
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

    /// out[c] = Σ_j p[j]·v[j,c] for c < hd, v (count, hd) row-major, as two fused multiply-add chains over even and
    /// odd positions added at the end.
    @inlinable @inline(__always)
    public static func weightedValues<V: FloatLanes>(
        _: V.Type, _ out: UnsafeMutablePointer<Float>, probs p: UnsafePointer<Float>, values v: UnsafePointer<Float>,
        hd: Int, count n: Int
    ) {
        let w = V.laneCount, pairs = n / 2
        var c = 0
        while c + 2 * w <= hd {
            var e0 = V(0), e1 = V(0), o0 = V(0), o1 = V(0)
            for j2 in 0..<pairs {
                let pe = V(p[2 * j2]), po = V(p[2 * j2 + 1])
                let re = v + 2 * j2 * hd + c, ro = re + hd
                e0.addProduct(pe, V.load(re)); e1.addProduct(pe, V.load(re + w))
                o0.addProduct(po, V.load(ro)); o1.addProduct(po, V.load(ro + w))
            }
            if n % 2 == 1 {
                let pl = V(p[n - 1]), rl = v + (n - 1) * hd + c
                e0.addProduct(pl, V.load(rl)); e1.addProduct(pl, V.load(rl + w))
            }
            (e0 + o0).store(out + c); (e1 + o1).store(out + c + w)
            c += 2 * w
        }
        while c + w <= hd {
            var e = V(0), o = V(0)
            for j2 in 0..<pairs {
                e.addProduct(V(p[2 * j2]), V.load(v + 2 * j2 * hd + c))
                o.addProduct(V(p[2 * j2 + 1]), V.load(v + (2 * j2 + 1) * hd + c))
            }
            if n % 2 == 1 { e.addProduct(V(p[n - 1]), V.load(v + (n - 1) * hd + c)) }
            (e + o).store(out + c)
            c += w
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
