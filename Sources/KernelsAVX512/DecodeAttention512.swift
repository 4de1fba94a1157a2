import LaneMath

/// `DecodeAttention`'s loops on sixteen lanes, for CPUs with AVX-512 (same bits as on eight).
public enum DecodeAttention512 {
    public static func keyScores(
        _ scores: UnsafeMutablePointer<Float>, query q: UnsafePointer<Float>, keysT kt: UnsafePointer<Float>,
        hd: Int, maxT: Int, count n: Int, scale: Float
    ) {
        DecodeAttention.keyScores(SIMD16<Float>.self, scores, query: q, keysT: kt, hd: hd, maxT: maxT, count: n, scale: scale)
    }

    public static func weightedValues(
        _ out: UnsafeMutablePointer<Float>, probs p: UnsafePointer<Float>, values v: UnsafePointer<Float>, hd: Int,
        count n: Int
    ) {
        DecodeAttention.weightedValues(SIMD16<Float>.self, out, probs: p, values: v, hd: hd, count: n)
    }
}
