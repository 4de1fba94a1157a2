/// How a record's text is cut into overlapping pieces for near-duplicate detection.
public enum ShingleUnit: String, Sendable, CaseIterable {
    /// `size` consecutive Unicode scalars of the normalized text.
    case char
    /// `size` consecutive words (space-separated tokens of the normalized text).
    case word
}

/// Text normalization and shingling for `dedupe`. Pure functions; every hash is a fixed function of its input and
/// a seed (never Swift's per-process randomized `Hasher`), so results are the same in every process.
public enum Shingles {
    /// Separates fields when several are compared, so ("a b", "c") and ("a", "b c") stay different.
    public static let fieldSeparator: Unicode.Scalar = "\u{1F}"

    /// Lowercases, turns every run of whitespace into one space and trims both ends. Punctuation and digits are kept
    /// on purpose: in math solutions `3.5` vs `35` or `+` vs `-` is the difference between two solutions.
    public static func normalize(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.lowercased().unicodeScalars {
            if isWhitespace(scalar) {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(" "); pendingSpace = false }
            out.append(scalar)
        }
        return String(out)
    }

    /// ASCII fast path; Unicode's White_Space property otherwise (the property lookup dominates otherwise).
    @inline(__always)
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x80 { return v == 0x20 || (v >= 0x09 && v <= 0x0D) }
        return scalar.properties.isWhitespace
    }

    /// The sorted, distinct 64-bit hashes of the text's shingles. A text shorter than one shingle yields a single
    /// shingle (the whole text); an empty text yields none.
    public static func hashes(of normalized: String, unit: ShingleUnit, size: Int, seed: UInt64) -> [UInt64] {
        var out: [UInt64]
        switch unit {
        case .char:
            let scalars = normalized.unicodeScalars.map { UInt64($0.value) }
            out = windows(scalars, size: size, seed: seed)
        case .word:
            var words: [UInt64] = []
            var h = wordBasis
            var inWord = false
            for scalar in normalized.unicodeScalars {
                if scalar == " " {
                    if inWord { words.append(finalize(h)); h = wordBasis; inWord = false }
                } else {
                    h = (h ^ UInt64(scalar.value)) &* fnvPrime
                    inWord = true
                }
            }
            if inWord { words.append(finalize(h)) }
            out = windows(words, size: size, seed: seed)
        }
        out.sort()
        var unique = 0
        for i in out.indices where i == 0 || out[i] != out[unique - 1] {
            out[unique] = out[i]
            unique += 1
        }
        out.removeLast(out.count - unique)
        return out
    }

    /// Exact Jaccard similarity |A∩B| / |A∪B| of two sorted distinct hash sets (1 when both are empty).
    public static func jaccard(_ a: [UInt64], _ b: [UInt64]) -> Double {
        if a.isEmpty && b.isEmpty { return 1 }
        let shared = intersectionCount(a, b)
        return Double(shared) / Double(a.count + b.count - shared)
    }

    /// |A∩B| of two sorted distinct arrays by merging.
    public static func intersectionCount(_ a: [UInt64], _ b: [UInt64]) -> Int {
        var i = 0, j = 0, shared = 0
        while i < a.count && j < b.count {
            let x = a[i], y = b[j]
            if x == y { shared += 1; i += 1; j += 1 } else if x < y { i += 1 } else { j += 1 }
        }
        return shared
    }

    // MARK: Hashing

    static let fnvPrime: UInt64 = 0x0000_0100_0000_01B3
    static let wordBasis: UInt64 = 0xCBF2_9CE4_8422_2325

    /// Hashes every window of `size` consecutive units (or the whole sequence when shorter).
    private static func windows(_ units: [UInt64], size: Int, seed: UInt64) -> [UInt64] {
        if units.isEmpty { return [] }
        let width = min(size, units.count)
        var out: [UInt64] = []
        out.reserveCapacity(units.count - width + 1)
        let basis = wordBasis ^ finalize(seed)
        for start in 0...(units.count - width) {
            var h = basis
            for k in start..<(start + width) { h = (h ^ units[k]) &* fnvPrime }
            out.append(finalize(h))
        }
        return out
    }

    /// SplitMix64's finalizer: spreads FNV's weak low-bit mixing over all 64 bits.
    @inline(__always)
    static func finalize(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
