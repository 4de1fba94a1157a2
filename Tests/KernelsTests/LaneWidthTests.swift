import Kernels
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
}
