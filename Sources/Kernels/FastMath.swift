/// Elementary functions written as straight-line arithmetic so loops over them vectorise (libm calls do not),
/// accurate to a few float ulps — far below what training or the gradient checks can see.
public enum FastMath {
    /// e^x for Float. Range reduction x = n·ln2 + r with |r| ≤ ln2/2, a degree-7 Taylor polynomial for e^r
    /// (truncation error < 3e-9 relative), and 2^n put directly into the exponent bits. Inputs are clamped to
    /// [-87.3, 88.7], so very negative x gives ≈ 1e-38 instead of 0 (harmless in softmax).
    @inline(__always)
    public static func exp(_ x: Float) -> Float {
        let xc = min(max(x, -87.3), 88.7)
        let n = (xc * 1.442_695_04).rounded(.toNearestOrEven)
        // ln2 split in a part exact in float and a small correction, so r keeps full precision.
        let r = (xc - n * 0.693_145_75) - n * 1.428_606_8e-6
        var p: Float = 1.0 / 5040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let scale = Float(bitPattern: UInt32(bitPattern: Int32(n) + 127) << 23)
        return p * scale
    }

    /// erf(x) by Abramowitz & Stegun, Handbook of Mathematical Functions, formula 7.1.26 (absolute error
    /// ≤ 1.5e-7), evaluated in float with the odd symmetry erf(-x) = -erf(x).
    @inline(__always)
    public static func erf(_ x: Float) -> Float {
        let ax = abs(x)
        let t = 1 / (1 + 0.327_591_1 * ax)
        var poly: Float = 1.061_405_429
        poly = poly * t - 1.453_152_027
        poly = poly * t + 1.421_413_741
        poly = poly * t - 0.284_496_736
        poly = poly * t + 0.254_829_592
        poly = poly * t
        let y = 1 - poly * exp(-ax * ax)
        return x < 0 ? -y : y
    }

    /// Σ a[i]·b[i] for i in 0..<n, with eight independent partial sums (fixed order: deterministic).
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            let va = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
            let vb = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            acc = acc.addingProduct(va, vb)
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
