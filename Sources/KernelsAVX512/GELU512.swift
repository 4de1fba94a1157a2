import LaneMath

/// GELU (exact form, x·Φ(x)) on sixteen lanes, for CPUs with AVX-512: the same `LaneMath` arithmetic as the
/// eight-lane kernels in `Kernels.GELU`, so every value has the same bits — only twice as many per instruction.
public enum GELU512 {
    typealias V = SIMD16<Float>

    /// out[i] = gelu(inp[i]) and, when given, derivative[i] = Φ + x·φ, for i in range. `out` may alias `inp`.
    public static func forward(
        out: UnsafeMutablePointer<Float>, derivative: UnsafeMutablePointer<Float>?, inp: UnsafePointer<Float>,
        range: Range<Int>
    ) {
        var i = range.lowerBound
        while i + 16 <= range.upperBound {
            let x = UnsafeRawPointer(inp + i).loadUnaligned(as: V.self)
            let (cdf, pdf) = LaneMath.normalCDFAndPDF(x)
            UnsafeMutableRawPointer(out + i).storeBytes(of: x * cdf, as: V.self)
            if let derivative { UnsafeMutableRawPointer(derivative + i).storeBytes(of: cdf + x * pdf, as: V.self) }
            i += 16
        }
        while i < range.upperBound {
            let x = inp[i]
            let (cdf, pdf) = LaneMath.normalCDFAndPDF(x)
            out[i] = x * cdf
            derivative?[i] = cdf + x * pdf
            i += 1
        }
    }
}
