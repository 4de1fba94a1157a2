import Kernels
import KernelsAVX512
import LaneMath
import Testing

/// The elementwise kernels give the same bits on every lane width: GELU's forward (sixteen lanes on AVX-512 CPUs,
/// eight elsewhere, scalar in the tails) equals the scalar formula element by element, at 1 and 2 threads.
@Suite("Lane widths give the same bits")
struct LaneWidthTests {
    @Test(arguments: [1, 2])
    func geluForwardEqualsScalar(threads: Int) {
        var d = Draw(5)
        let x = toFloat(d.doubles(1_000, scale: 4)) + [0, -0, 30, -30, 1e-20, -9.5, 100, -100, 3]
        let n = x.count
        let out = withBuffers([x, [Float](repeating: 0, count: n), [Float](repeating: 0, count: n),
                               [Float](repeating: 0, count: n)]) { p in
            GELU.forward(out: p[1], derivative: p[2], inp: p[0], count: n, threads: threads)
            GELU.forward(out: p[3], inp: p[0], count: n, threads: threads)
        }
        let scalar = x.map { v -> (Float, Float) in
            let (cdf, pdf) = FastMath.normalCDFAndPDF(v)
            return (v * cdf, cdf + v * pdf)
        }
        #expect(out[1].map(\.bitPattern) == scalar.map(\.0.bitPattern))
        #expect(out[2].map(\.bitPattern) == scalar.map(\.1.bitPattern))
        #expect(out[3].map(\.bitPattern) == scalar.map(\.0.bitPattern))
    }

    /// Decode attention's two loops on sixteen lanes (AVX-512) give the bits of eight lanes, for position counts and
    /// widths that exercise the 4-vector, 1-vector and scalar parts of both.
    @Test(.enabled(if: GEMM.hasAVX512), arguments: [(32, 1), (32, 77), (16, 130), (33, 64), (48, 5)])
    func decodeAttentionWidthsAgree(hd: Int, count: Int) {
        let maxT = 136
        var d = Draw(UInt64(hd * 1000 + count))
        let q = toFloat(d.doubles(hd)), kt = toFloat(d.doubles(hd * maxT)), v = toFloat(d.doubles(maxT * hd))
        let p = toFloat(d.doubles(count))
        let out = withBuffers([q, kt, v, p, [Float](repeating: 0, count: maxT), [Float](repeating: 0, count: maxT),
                               [Float](repeating: 0, count: hd), [Float](repeating: 0, count: hd)]) { b in
            DecodeAttention.keyScores(SIMD8<Float>.self, b[4], query: b[0], keysT: b[1], hd: hd, maxT: maxT,
                                      count: count, scale: 0.3)
            DecodeAttention512.keyScores(b[5], query: b[0], keysT: b[1], hd: hd, maxT: maxT, count: count, scale: 0.3)
            DecodeAttention.weightedValues(SIMD8<Float>.self, b[6], probs: b[3], values: b[2], hd: hd, count: count)
            DecodeAttention512.weightedValues(b[7], probs: b[3], values: b[2], hd: hd, count: count)
        }
        #expect(out[4].map(\.bitPattern) == out[5].map(\.bitPattern))
        #expect(out[6].map(\.bitPattern) == out[7].map(\.bitPattern))
        #expect(out[4].prefix(count).contains { $0 != 0 })
    }
}
