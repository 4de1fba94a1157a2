import LaneMath

/// Elementary functions (from `LaneMath`, straight-line arithmetic so loops over them vectorise) and small vector
/// reductions, accurate to a few float ulps — far below what training or the gradient checks can see.
public enum FastMath {
    /// e^x for Float (`LaneMath.exp`: a few float ulps; very negative x gives ≈ 1e-38 instead of 0).
    @inline(__always)
    public static func exp(_ x: Float) -> Float { LaneMath.exp(x) }

    /// e^x on eight lanes; bit for bit the scalar `exp` of each lane.
    @inline(__always)
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> { LaneMath.exp(x) }

    /// erf(x), absolute error ≤ 1.5e-7 (Abramowitz & Stegun 7.1.26).
    @inline(__always)
    public static func erf(_ x: Float) -> Float { LaneMath.erf(x) }

    /// Φ(x) and φ(x) of the standard normal on eight lanes, sharing one exponential (GELU and its derivative).
    @inline(__always)
    public static func normalCDFAndPDF(_ x: SIMD8<Float>) -> (cdf: SIMD8<Float>, pdf: SIMD8<Float>) {
        LaneMath.normalCDFAndPDF(x)
    }

    /// Scalar `normalCDFAndPDF` (same arithmetic).
    @inline(__always)
    public static func normalCDFAndPDF(_ x: Float) -> (cdf: Float, pdf: Float) { LaneMath.normalCDFAndPDF(x) }

    /// max of x[0..<n] (−∞ when n is 0), eight lanes at a time: the maximum is exact in any order, so lanes do not
    /// change it (the scalar loop was half of the attention forward's own time).
    @inline(__always)
    public static func max(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var lanes = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            lanes.replace(with: v, where: v .> lanes)
            i += 8
        }
        var m = lanes.max()
        while i < n {
            m = Swift.max(m, x[i])
            i += 1
        }
        return m
    }

    /// Σ a[i]·b[i] for i in 0..<n, with eight independent partial sums (fixed order: deterministic).
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            let va = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
            let vb = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            acc += va * vb  // not addingProduct: without FMA in the target it becomes a libm fmaf call
            i += 8
        }
        var s = acc.sum()
        while i < n {
            s += a[i] * b[i]
            i += 1
        }
        return s
    }

    /// y[i] += alpha · x[i] for i in 0..<n.
    @inline(__always)
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] += alpha * x[i] }
    }

    /// Σ x[i] for i in 0..<n with eight partial sums (fixed order: deterministic).
    @inline(__always)
    public static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var s = acc.sum()
        while i < n {
            s += x[i]
            i += 1
        }
        return s
    }
}
