/// A small, fast, splittable pseudo-random generator (xoshiro256**) whose whole state is four words, so it can be
/// stored in a checkpoint and restored bit-exactly. Every random choice in lema derives from one of these, seeded
/// from (pipeline seed, node fingerprint, item key) through `SeededRNG.derive`.
public struct SeededRNG: RandomNumberGenerator, Sendable, Hashable, Codable {
    /// The raw state; never all zero.
    public private(set) var state: (UInt64, UInt64, UInt64, UInt64)

    /// Seeds the four state words from one 64-bit seed through SplitMix64 (the standard way to seed xoshiro).
    public init(seed: UInt64) {
        var sm = seed
        func splitMix() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// Restores a generator from a saved `stateWords` value.
    public init(stateWords: [UInt64]) throws(RNGStateError) {
        guard stateWords.count == 4, stateWords.contains(where: { $0 != 0 }) else { throw RNGStateError() }
        state = (stateWords[0], stateWords[1], stateWords[2], stateWords[3])
    }

    /// The state as four words, for checkpoints.
    public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }

    @inline(__always)
    /// The next 64 random bits (xoshiro256**).
    public mutating func next() -> UInt64 {
        let result = Self.rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = Self.rotl(state.3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [0, 1) with 24 random bits.
    @inline(__always)
    public mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1.0p-24 }

    /// Uniform integer in `0..<bound` without modulo bias (Lemire's method). `bound` must be positive.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }

    /// Uniform integer in a closed range.
    public mutating func nextInt(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + nextInt(below: range.upperBound - range.lowerBound + 1)
    }

    /// A standard normal variate (Box–Muller; uses two uniforms, no cached spare, so the state alone determines it).
    public mutating func nextGaussian() -> Double {
        let u1 = max(nextDouble(), 0x1.0p-53)
        let u2 = nextDouble()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }

    /// A deterministic 64-bit seed derived from a base seed and labels (e.g. node fingerprint, item key).
    /// Stable across processes and platforms (FNV-1a over the UTF-8 bytes, then a SplitMix64 finaliser);
    /// Swift's `Hasher` is deliberately not used because it is randomly seeded per process.
    public static func derive(_ seed: UInt64, _ labels: String...) -> UInt64 { derive(seed, labels: labels) }

    /// `derive` with labels as an array.
    public static func derive(_ seed: UInt64, labels: [String]) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed
        for label in labels {
            for byte in label.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            h = (h ^ 0xFF) &* 0x0000_0100_0000_01B3  // separator so ("ab","c") != ("a","bc")
        }
        var z = h &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Equal when the states are.
    public static func == (a: SeededRNG, b: SeededRNG) -> Bool { a.stateWords == b.stateWords }
    /// Hashes the state.
    public func hash(into hasher: inout Hasher) { hasher.combine(stateWords) }

    /// Decodes the four state words (rejecting an all-zero state).
    public init(from decoder: any Decoder) throws {
        let words = try decoder.singleValueContainer().decode([UInt64].self)
        do { try self.init(stateWords: words) } catch { throw error }
    }

    /// Encodes the four state words.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(stateWords)
    }

    /// In-place Fisher–Yates shuffle driven by this generator (the standard library's shuffle makes no promise
    /// about how it consumes the generator across versions, so determinism needs our own).
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = nextInt(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }
}

/// A saved RNG state that is not four words or is all zero.
public struct RNGStateError: Error, CustomStringConvertible, Sendable {
    /// The problem in words.
    public var description: String { "invalid RNG state: expected four words, not all zero" }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Darwin
@inline(__always) func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
