import LemaCore

/// LSH candidate generation and exact verification.
enum NearDuplicates {
    /// Links every eligible pair that shares a band key and whose exact Jaccard (over shingle hashes) reaches the
    /// threshold. Before the exact check, pairs whose sizes or MinHash agreement make the threshold unreachable
    /// (agreement 4.5σ below it, see `minimumAgreement`) are skipped; everything linked is verified exactly.
    /// Records are visited in input order and each is compared with earlier records of its buckets, so the set of
    /// links — hence the components — does not depend on threads.
    static func link(eligible: [Int], features: RecordFeatures, options: DedupeOptions, threads: Int,
                     components: inout UnionFind) {
        let n = features.keys.count
        let bands = features.bands
        guard bands > 0, eligible.count > 1 else { return }

        // previous[band * n + j] = the latest earlier eligible record with j's key in that band, or -1. Bands are
        // independent, so they are chained in parallel.
        let previous = SharedSlots<Int32>(repeating: -1, count: bands * n)
        ChunkedWork.forEachChunk(count: bands, threads: threads) { bandRange in
            for band in bandRange {
                var last: [UInt64: Int32] = [:]
                last.reserveCapacity(eligible.count)
                for j in eligible {
                    let key = features.bandKeys[j * bands + band]
                    if let before = last.updateValue(Int32(j), forKey: key) { previous[band * n + j] = before }
                }
            }
        }

        let chains = previous.toArray()
        let minimumAgreement = Self.minimumAgreement(threshold: options.threshold, permutations: features.permutations)
        var seenFor = [Int32](repeating: -1, count: n)  // candidate i already considered for record seenFor[i]
        let shingles = features.shingles
        for j in eligible {
            let a = shingles[j]
            for band in 0..<bands {
                var i = Int(chains[band * n + j])
                while i >= 0 {
                    defer { i = Int(chains[band * n + i]) }
                    if seenFor[i] == Int32(j) { continue }
                    seenFor[i] = Int32(j)
                    if components.find(i) == components.find(j) { continue }
                    let b = shingles[i]
                    // |A∩B| ≤ min size and |A∪B| ≥ max size, so a large size gap rules the pair out cheaply.
                    let small = Double(min(a.count, b.count)), large = Double(max(a.count, b.count))
                    if small / large < options.threshold { continue }
                    if Self.agreement(features, i, j) < minimumAgreement { continue }
                    if Shingles.jaccard(a, b) >= options.threshold { components.union(i, j) }
                }
            }
        }
    }

    /// Signature positions on which records `i` and `j` agree (≈ permutations × Jaccard).
    @inline(__always)
    static func agreement(_ features: RecordFeatures, _ i: Int, _ j: Int) -> Int {
        let p = features.permutations
        return features.signatures.withUnsafeBufferPointer { sig -> Int in
            guard let base = sig.baseAddress else { return 0 }
            let a = base + i &* p, b = base + j &* p
            // Eight lanes at a time with explicit SIMD (the scalar loop does not vectorize), then the tail.
            var lanes = SIMD8<UInt32>(repeating: 0)
            let one = SIMD8<UInt32>(repeating: 1), zero = SIMD8<UInt32>(repeating: 0)
            var k = 0
            while k + 8 <= p {
                let x = UnsafeRawPointer(a + k).loadUnaligned(as: SIMD8<UInt32>.self)
                let y = UnsafeRawPointer(b + k).loadUnaligned(as: SIMD8<UInt32>.self)
                lanes &+= zero.replacing(with: one, where: x .== y)
                k += 8
            }
            var same = lanes.wrappedSum()
            while k < p {
                if a[k] == b[k] { same &+= 1 }
                k += 1
            }
            return Int(same)
        }
    }

    /// The agreement below which a pair is skipped without the exact check. Agreement is ≈ Binomial(P, J), so a
    /// pair right at the threshold falls 4.5 standard deviations (plus one position) below its mean with
    /// probability ~10⁻⁶; pairs far below the threshold — the bulk of LSH's false candidates on templated
    /// texts — are rejected at the cost of a vector compare instead of a set merge.
    static func minimumAgreement(threshold: Double, permutations: Int) -> Int {
        guard permutations > 0 else { return 0 }
        let p = Double(permutations)
        let margin = 4.5 * (threshold * (1 - threshold) / p).squareRoot() + 1 / p
        return max(0, Int(((threshold - margin) * p).rounded(.down)))
    }
}
