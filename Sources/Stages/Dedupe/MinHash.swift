import LemaCore

/// MinHash signatures with LSH banding. Permutation `i` is the seeded multiply-add-shift hash
/// `h_i(x) = (a_i·x + b_i mod 2^64) >> 32` (a_i odd) of a shingle's 64-bit hash; the signature keeps the minimum of
/// each. Two sets agree on one permutation with probability ≈ their Jaccard similarity, so records that agree on all
/// `rows` values of some band become candidate pairs (probability 1 − (1 − J^rows)^bands).
public struct MinHasher: Sendable {
    /// Values per signature (hash functions).
    public let permutations: Int
    /// LSH bands the signature is split into.
    public let bands: Int
    /// Signature values per band; records whose values agree on a whole band become a candidate pair.
    public var rows: Int { permutations / bands }
    private let a: [UInt64]
    private let b: [UInt64]
    private let bandSeed: UInt64

    /// `permutations` must be a positive multiple of `bands` (checked by the kind's `validate`).
    public init(permutations: Int, bands: Int, seed: UInt64) {
        self.permutations = permutations
        self.bands = bands
        var rng = SeededRNG(seed: SeededRNG.derive(seed, "minhash-permutations"))
        var a: [UInt64] = [], b: [UInt64] = []
        for _ in 0..<permutations {
            a.append(rng.next() | 1)
            b.append(rng.next())
        }
        self.a = a
        self.b = b
        bandSeed = SeededRNG.derive(seed, "minhash-bands")
    }

    /// Writes the signature of a non-empty shingle set into `signature` (count `permutations`). // (P,)
    public func signature(of shingles: [UInt64], into signature: UnsafeMutableBufferPointer<UInt32>) {
        // Permutation-major order keeps the coefficients and running minima in registers over the shingle loop;
        // four permutations per pass give the CPU four independent min-chains instead of one.
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                shingles.withUnsafeBufferPointer { xs in
                    var p = 0
                    while p + 4 <= permutations {
                        let a0 = a[p], a1 = a[p + 1], a2 = a[p + 2], a3 = a[p + 3]
                        let b0 = b[p], b1 = b[p + 1], b2 = b[p + 2], b3 = b[p + 3]
                        var m0 = UInt32.max, m1 = UInt32.max, m2 = UInt32.max, m3 = UInt32.max
                        for x in xs {
                            m0 = min(m0, UInt32(truncatingIfNeeded: (a0 &* x &+ b0) >> 32))
                            m1 = min(m1, UInt32(truncatingIfNeeded: (a1 &* x &+ b1) >> 32))
                            m2 = min(m2, UInt32(truncatingIfNeeded: (a2 &* x &+ b2) >> 32))
                            m3 = min(m3, UInt32(truncatingIfNeeded: (a3 &* x &+ b3) >> 32))
                        }
                        signature[p] = m0; signature[p + 1] = m1; signature[p + 2] = m2; signature[p + 3] = m3
                        p += 4
                    }
                    while p < permutations {
                        var m = UInt32.max
                        for x in xs { m = min(m, UInt32(truncatingIfNeeded: (a[p] &* x &+ b[p]) >> 32)) }
                        signature[p] = m
                        p += 1
                    }
                }
            }
        }
    }

    /// One 64-bit key per band from a signature; equal keys mean (up to 2^-64 collisions) equal band rows.
    /// Writes `bands` keys into `keys`. // signature (P,) → keys (B,)
    public func bandKeys(of signature: UnsafeMutableBufferPointer<UInt32>, into keys: UnsafeMutableBufferPointer<UInt64>) {
        let r = rows
        for band in 0..<bands {
            var h = bandSeed ^ UInt64(band)
            for k in (band * r)..<(band * r + r) {
                h = Shingles.finalize(h ^ UInt64(signature[k]))
            }
            keys[band] = h
        }
    }
}
