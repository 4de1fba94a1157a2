import LaneMath

/// `DecodeAttention`'s loops on sixteen lanes, for CPUs with AVX-512 (same bits as on eight).
public enum DecodeAttention512 {
    /// scores[j] = scale · Σ_c q[c]·kt[c,j] for j < count, kt (hd, maxT) row-major; see `DecodeAttention.keyScores`.
    public static func keyScores(
        _ scores: UnsafeMutablePointer<Float>, query q: UnsafePointer<Float>, keysT kt: UnsafePointer<Float>,
        hd: Int, maxT: Int, count n: Int, scale: Float
    ) {
        DecodeAttention.keyScores(SIMD16<Float>.self, scores, query: q, keysT: kt, hd: hd, maxT: maxT, count: n, scale: scale)
    }

    /// out[c] = Σ_j p[j]·v[j,c] for c < hd, v (count, hd) row-major; see `DecodeAttention.weightedValues`.
    public static func weightedValues(
        _ out: UnsafeMutablePointer<Float>, probs p: UnsafePointer<Float>, values v: UnsafePointer<Float>, hd: Int,
        count n: Int
    ) {
        DecodeAttention.weightedValues(SIMD16<Float>.self, out, probs: p, values: v, hd: hd, count: n)
    }
}
