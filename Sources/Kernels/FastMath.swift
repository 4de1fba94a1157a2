/// Elementary functions written as straight-line arithmetic so loops over them vectorise (libm calls do not),
/// accurate to a few float ulps — far below what training or the gradient checks can see.
public enum FastMath {
    /// e^x for Float. Range reduction x = n·ln2 + r with |r| ≤ ln2/2, a degree-7 Taylor polynomial for e^r
    /// (truncation error < 3e-9 relative), and 2^n put directly into the exponent bits. Inputs are clamped to
    /// [-87.3, 88.7], so very negative x gives ≈ 1e-38 instead of 0 (harmless in softmax). Rounding uses the
    /// 1.5·2²³ trick rather than `rounded()`, which is a libm call on baseline x86-64 (no SSE4.1).
    @inline(__always)
    public static func exp(_ x: Float) -> Float {
        let xc = min(max(x, -87.3), 88.7)
        let shifted = xc * 1.442_695_04 + 12_582_912  // n now sits in the low mantissa bits
        let n = shifted - 12_582_912
        let r = (xc - n * 0.693_145_75) - n * 1.428_606_8e-6  // ln2 split: exact high part + correction
        let scale = Float(bitPattern: (shifted.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
        return expPolynomial(r) * scale
    }

    /// e^x on eight lanes; the same arithmetic as the scalar `exp`, so results agree bit for bit.
    @inline(__always)
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // Lane-wise clamp as masked replaces, which compile to vector compare + blend/min/max. (A per-lane loop
        // compiled to scalar code through the stack, a third of GELU's time; the generic pointwiseMin/pointwiseMax
        // are not inlined.) Same selections as the scalar version, NaN included, so the bits do not change.
        var xc = x
        xc.replace(with: 88.7, where: xc .> 88.7)
        xc.replace(with: -87.3, where: xc .< -87.3)
        let shifted = xc * 1.442_695_04 + 12_582_912
        let n = shifted - 12_582_912
        let r = (xc - n * 0.693_145_75) - n * 1.428_606_8e-6
        let bits = (unsafeBitCast(shifted, to: SIMD8<UInt32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return expPolynomial(r) * unsafeBitCast(bits, to: SIMD8<Float>.self)
    }

    @inline(__always)
    static func expPolynomial<V: SIMDOrScalarFloat>(_ r: V) -> V {
        var p = V(1.0 / 5040)
        p = p * r + V(1.0 / 720)
        p = p * r + V(1.0 / 120)
        p = p * r + V(1.0 / 24)
        p = p * r + V(1.0 / 6)
        p = p * r + V(0.5)
        p = p * r + V(1)
        p = p * r + V(1)
        return p
    }

    /// The polynomial of Abramowitz & Stegun, Handbook of Mathematical Functions, formula 7.1.26:
    /// erf(a) = 1 − P(t)·e^(−a²), t = 1/(1 + 0.3275911·a), a ≥ 0, absolute error ≤ 1.5e-7.
    @inline(__always)
    static func erfPolynomial<V: SIMDOrScalarFloat>(_ a: V) -> V {
        let t = V(1) / (V(1) + V(0.327_591_1) * a)
        var poly = V(1.061_405_429)
        poly = poly * t - V(1.453_152_027)
        poly = poly * t + V(1.421_413_741)
        poly = poly * t - V(0.284_496_736)
        poly = poly * t + V(0.254_829_592)
        return poly * t
    }

    /// erf(x) by A&S 7.1.26 with erf(−x) = −erf(x).
    @inline(__always)
    public static func erf(_ x: Float) -> Float {
        let ax = abs(x)
        let y = 1 - erfPolynomial(ax) * exp(-ax * ax)
        return Float(bitPattern: y.bitPattern | (x.bitPattern & 0x8000_0000))
    }

    /// Φ(x) and φ(x) of the standard normal on eight lanes, sharing one exponential (GELU and its derivative).
    @inline(__always)
    public static func normalCDFAndPDF(_ x: SIMD8<Float>) -> (cdf: SIMD8<Float>, pdf: SIMD8<Float>) {
        let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
        let a = unsafeBitCast(bits & 0x7FFF_FFFF, to: SIMD8<Float>.self) * 0.707_106_781_186_547_5  // |x|/√2
        let e = exp(-a * a)  // e^(−x²/2)
        let erfAbs = 1 - erfPolynomial(a) * e
        let erf = unsafeBitCast(unsafeBitCast(erfAbs, to: SIMD8<UInt32>.self) | (bits & 0x8000_0000), to: SIMD8<Float>.self)
        return (0.5 * (1 + erf), 0.398_942_280_401_432_7 * e)
    }

    /// Scalar `normalCDFAndPDF` (same arithmetic).
    @inline(__always)
    public static func normalCDFAndPDF(_ x: Float) -> (cdf: Float, pdf: Float) {
        let a = abs(x) * 0.707_106_781_186_547_5
        let e = exp(-a * a)
        let erfAbs = 1 - erfPolynomial(a) * e
        let erf = Float(bitPattern: erfAbs.bitPattern | (x.bitPattern & 0x8000_0000))
        return (0.5 * (1 + erf), 0.398_942_280_401_432_7 * e)
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

/// Float or a vector of Floats: lets one polynomial serve the scalar and SIMD paths.
public protocol SIMDOrScalarFloat {
    init(_ value: Float)
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static func / (a: Self, b: Self) -> Self
}

extension Float: SIMDOrScalarFloat {}
extension SIMD8: SIMDOrScalarFloat where Scalar == Float {
    @inline(__always) public init(_ value: Float) { self.init(repeating: value) }
}
