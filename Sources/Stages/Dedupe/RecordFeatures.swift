import LemaCore

/// Per-record values the dedupe phases compare, computed in parallel (each record independently of the others).
struct RecordFeatures: Sendable {
    /// Normalized field texts joined by `Shingles.fieldSeparator` (the exact-duplicate key).
    var keys: [String]
    /// Sorted distinct shingle hashes (empty when near-duplicate detection is off or the text is empty).
    var shingles: [[UInt64]]
    /// LSH band keys, one row per record. // (N, B); empty when near is off
    var bandKeys: [UInt64]
    var bands: Int

    static func compute(texts: [[String]], options: DedupeOptions, seed: UInt64, threads: Int) -> RecordFeatures {
        let n = texts.count
        let bands = options.near ? options.bands : 0
        let keys = SharedSlots<String>(repeating: "", count: n)
        let shingles = SharedSlots<[UInt64]>(repeating: [], count: n)
        let bandKeys = SharedSlots<UInt64>(repeating: 0, count: n * bands)
        let hasher = MinHasher(permutations: options.permutations, bands: max(options.bands, 1), seed: seed)
        let shingleSeed = SeededRNG.derive(seed, "dedupe-shingles")
        let separator = String(Shingles.fieldSeparator)

        Parallel.forEachChunk(count: n, threads: threads) { range in
            let signature = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: max(options.permutations, 1))
            defer { signature.deallocate() }
            let allKeys = bandKeys.unsafeBuffer
            for j in range {
                let key = texts[j].map(Shingles.normalize).joined(separator: separator)
                keys[j] = key
                guard options.near else { continue }
                let set = Shingles.hashes(of: key, unit: options.shingle, size: options.shingleSize, seed: shingleSeed)
                shingles[j] = set
                guard !set.isEmpty else { continue }
                hasher.signature(of: set, into: signature)
                let row = UnsafeMutableBufferPointer(rebasing: allKeys[(j * bands)..<(j * bands + bands)])
                hasher.bandKeys(of: signature, into: row)
            }
        }
        return RecordFeatures(keys: keys.toArray(), shingles: shingles.toArray(), bandKeys: bandKeys.toArray(),
                              bands: bands)
    }
}

/// LSH candidate generation and exact verification.
enum NearDuplicates {
    /// Links every eligible pair that shares a band key and whose exact Jaccard (over shingle hashes) reaches the
    /// threshold. Records are visited in input order and each is compared with earlier records of its buckets, so
    /// the set of links — hence the components — does not depend on threads.
    static func link(eligible: [Int], features: RecordFeatures, options: DedupeOptions, threads: Int,
                     components: inout UnionFind) {
        let n = features.keys.count
        let bands = features.bands
        guard bands > 0, eligible.count > 1 else { return }

        // previous[band * n + j] = the latest earlier eligible record with j's key in that band, or -1. Bands are
        // independent, so they are chained in parallel.
        let previous = SharedSlots<Int32>(repeating: -1, count: bands * n)
        Parallel.forEachChunk(count: bands, threads: threads) { bandRange in
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
                    if Shingles.jaccard(a, b) >= options.threshold { components.union(i, j) }
                }
            }
        }
    }
}
