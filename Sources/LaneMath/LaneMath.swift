/// The elementary functions of the kernels — e^x and the standard normal's Φ and φ (GELU) — written once, generic
/// over the lane width, as straight-line arithmetic so loops over them vectorise (libm calls do not). `@inlinable`:
/// each module compiles them for its own instruction set — eight lanes in Kernels (AVX2), sixteen in KernelsAVX512
/// (AVX-512). Every width and the scalar versions perform the same operations in the same order (Swift does not fuse
/// a·b + c on its own), so a value gets the same bits whichever path computes it.
public enum LaneMath {
    /// e^x. Range reduction x = n·ln2 + r with |r| ≤ ln2/2, a degree-7 Taylor polynomial for e^r (truncation error
    /// < 3e-9 relative), and 2^n put directly into the exponent bits. Inputs are clamped to [-87.3, 88.7], so very
    /// negative x gives ≈ 1e-38 instead of 0 (harmless in softmax). Rounding uses the 1.5·2²³ trick rather than
    /// `rounded()`, which is a libm call on baseline x86-64 (no SSE4.1).
    @inlinable @inline(__always)
    public static func exp(_ x: Float) -> Float {
        let xc = min(max(x, -87.3), 88.7)
        let shifted = xc * 1.442_695_04 + 12_582_912  // n now sits in the low mantissa bits
        let n = shifted - 12_582_912
        let r = (xc - n * 0.693_145_75) - n * 1.428_606_8e-6  // ln2 split: exact high part + correction
        let scale = Float(bitPattern: (shifted.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
        return expPolynomial(r) * scale
    }

    /// e^x on every lane; the same arithmetic as the scalar `exp`.
    @inlinable @inline(__always)
    public static func exp<V: FloatLanes>(_ x: V) -> V {
        let xc = x.clamped(-87.3, 88.7)
        let shifted = xc * V(1.442_695_04) + V(12_582_912)
        let n = shifted - V(12_582_912)
        let r = (xc - n * V(0.693_145_75)) - n * V(1.428_606_8e-6)
        return expPolynomial(r) * shifted.powerOfTwoFromShifted()
    }

    @inlinable @inline(__always)
    static func expPolynomial<V: LaneArithmetic>(_ r: V) -> V {
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
    @inlinable @inline(__always)
    static func erfPolynomial<V: LaneArithmetic>(_ a: V) -> V {
        let t = V(1) / (V(1) + V(0.327_591_1) * a)
        var poly = V(1.061_405_429)
        poly = poly * t - V(1.453_152_027)
        poly = poly * t + V(1.421_413_741)
        poly = poly * t - V(0.284_496_736)
        poly = poly * t + V(0.254_829_592)
        return poly * t
    }

    /// erf(x) by A&S 7.1.26 with erf(−x) = −erf(x).
    @inlinable @inline(__always)
    public static func erf(_ x: Float) -> Float {
        let ax = abs(x)
        let y = 1 - erfPolynomial(ax) * exp(-ax * ax)
        return Float(bitPattern: y.bitPattern | (x.bitPattern & 0x8000_0000))
    }

    /// Φ(x) and φ(x) of the standard normal on every lane, sharing one exponential (GELU and its derivative).
    @inlinable @inline(__always)
    public static func normalCDFAndPDF<V: FloatLanes>(_ x: V) -> (cdf: V, pdf: V) {
        let a = x.magnitudes() * V(0.707_106_781_186_547_5)  // |x|/√2
        let e = exp(V(0) - a * a)  // e^(−x²/2)
        let erfAbs = V(1) - erfPolynomial(a) * e
        let erf = erfAbs.withSigns(of: x)
        return (V(0.5) * (V(1) + erf), V(0.398_942_280_401_432_7) * e)
    }

    /// Scalar `normalCDFAndPDF` (same arithmetic).
    @inlinable @inline(__always)
    public static func normalCDFAndPDF(_ x: Float) -> (cdf: Float, pdf: Float) {
        let a = abs(x) * 0.707_106_781_186_547_5
        let e = exp(-a * a)
        let erfAbs = 1 - erfPolynomial(a) * e
        let erf = Float(bitPattern: erfAbs.bitPattern | (x.bitPattern & 0x8000_0000))
        return (0.5 * (1 + erf), 0.398_942_280_401_432_7 * e)
    }
}

/// Float or Float lanes: lets one polynomial serve the scalar and vector paths.
public protocol LaneArithmetic {
    init(_ value: Float)
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static func / (a: Self, b: Self) -> Self
}

/// A vector of Float lanes. The generic math above uses only these requirements and `LaneArithmetic`, each
/// implemented on the concrete vector types below: generic code calling the standard library's own SIMD operations
/// (comparisons, masked replace, integer lanes) was not specialised into vector instructions and ran several times slower (docs/operations.md, "Kernel design
/// measurements").
public protocol FloatLanes: LaneArithmetic {
    /// Each lane clamped to [lower, upper] (NaN stays NaN).
    func clamped(_ lower: Float, _ upper: Float) -> Self
    /// 2^n per lane, for lanes holding n + 1.5·2²³ (the rounding trick of `exp`).
    func powerOfTwoFromShifted() -> Self
    /// |x| per lane (sign bit cleared).
    func magnitudes() -> Self
    /// Each lane with the sign bit of the same lane of `other` or-ed in.
    func withSigns(of other: Self) -> Self
    /// Lanes per vector.
    static var laneCount: Int { get }
    /// The vector at `p` (no alignment needed).
    static func load(_ p: UnsafePointer<Float>) -> Self
    /// Stores the vector at `p` (no alignment needed).
    func store(_ p: UnsafeMutablePointer<Float>)
    /// self += a·b per lane, fused (one rounding).
    mutating func addProduct(_ a: Self, _ b: Self)
}

extension Float: LaneArithmetic {}

extension SIMD8: LaneArithmetic, FloatLanes where Scalar == Float {
    /// Every lane set to `value`.
    @inlinable @inline(__always) public init(_ value: Float) { self.init(repeating: value) }
    /// Each lane clamped to [lower, upper].
    @inlinable @inline(__always) public func clamped(_ lower: Float, _ upper: Float) -> Self {
        var x = self
        x.replace(with: upper, where: x .> upper)
        x.replace(with: lower, where: x .< lower)
        return x
    }
    /// 2^n per lane, for lanes holding n + 1.5·2²³ (see `FloatLanes`).
    @inlinable @inline(__always) public func powerOfTwoFromShifted() -> Self {
        unsafeBitCast((unsafeBitCast(self, to: SIMD8<UInt32>.self) &- 0x4B40_0000 &+ 127) &<< 23, to: Self.self)
    }
    /// |x| per lane.
    @inlinable @inline(__always) public func magnitudes() -> Self {
        unsafeBitCast(unsafeBitCast(self, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: Self.self)
    }
    /// Each lane's magnitude with the sign of the same lane of `other`.
    @inlinable @inline(__always) public func withSigns(of other: Self) -> Self {
        let sign = unsafeBitCast(other, to: SIMD8<UInt32>.self) & 0x8000_0000
        return unsafeBitCast(unsafeBitCast(self, to: SIMD8<UInt32>.self) | sign, to: Self.self)
    }
    /// Lanes per vector.
    @inlinable @inline(__always) public static var laneCount: Int { 8 }
    /// Loads `laneCount` floats from `p`.
    @inlinable @inline(__always) public static func load(_ p: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(p).loadUnaligned(as: Self.self)
    }
    /// Stores the lanes to `p`.
    @inlinable @inline(__always) public func store(_ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self)
    }
    /// self += a · b per lane (one fused multiply-add).
    @inlinable @inline(__always) public mutating func addProduct(_ a: Self, _ b: Self) {
        self = self.addingProduct(a, b)
    }
}

extension SIMD16: LaneArithmetic, FloatLanes where Scalar == Float {
    /// Every lane set to `value`.
    @inlinable @inline(__always) public init(_ value: Float) { self.init(repeating: value) }
    /// Each lane clamped to [lower, upper].
    @inlinable @inline(__always) public func clamped(_ lower: Float, _ upper: Float) -> Self {
        var x = self
        x.replace(with: upper, where: x .> upper)
        x.replace(with: lower, where: x .< lower)
        return x
    }
    /// 2^n per lane, for lanes holding n + 1.5·2²³ (see `FloatLanes`).
    @inlinable @inline(__always) public func powerOfTwoFromShifted() -> Self {
        unsafeBitCast((unsafeBitCast(self, to: SIMD16<UInt32>.self) &- 0x4B40_0000 &+ 127) &<< 23, to: Self.self)
    }
    /// |x| per lane.
    @inlinable @inline(__always) public func magnitudes() -> Self {
        unsafeBitCast(unsafeBitCast(self, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: Self.self)
    }
    /// Each lane's magnitude with the sign of the same lane of `other`.
    @inlinable @inline(__always) public func withSigns(of other: Self) -> Self {
        let sign = unsafeBitCast(other, to: SIMD16<UInt32>.self) & 0x8000_0000
        return unsafeBitCast(unsafeBitCast(self, to: SIMD16<UInt32>.self) | sign, to: Self.self)
    }
    /// Lanes per vector.
    @inlinable @inline(__always) public static var laneCount: Int { 16 }
    /// Loads `laneCount` floats from `p`.
    @inlinable @inline(__always) public static func load(_ p: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(p).loadUnaligned(as: Self.self)
    }
    /// Stores the lanes to `p`.
    @inlinable @inline(__always) public func store(_ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self)
    }
    /// self += a · b per lane (one fused multiply-add).
    @inlinable @inline(__always) public mutating func addProduct(_ a: Self, _ b: Self) {
        self = self.addingProduct(a, b)
    }
}
