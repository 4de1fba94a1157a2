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
    /// MinHash signatures, one row per record (all `UInt32.max` for records without shingles). // (N, P)
    var signatures: [UInt32]
    var permutations: Int

    static func compute(texts: [[String]], options: DedupeOptions, seed: UInt64, threads: Int) -> RecordFeatures {
        let n = texts.count
        let bands = options.near ? options.bands : 0
        let keys = SharedSlots<String>(repeating: "", count: n)
        let shingles = SharedSlots<[UInt64]>(repeating: [], count: n)
        let bandKeys = SharedSlots<UInt64>(repeating: 0, count: n * bands)
        let perms = options.near ? options.permutations : 0
        let signatures = SharedSlots<UInt32>(repeating: .max, count: n * perms)
        let hasher = MinHasher(permutations: options.permutations, bands: max(options.bands, 1), seed: seed)
        let shingleSeed = SeededRNG.derive(seed, "dedupe-shingles")
        let separator = String(Shingles.fieldSeparator)

        ChunkedWork.forEachChunk(count: n, threads: threads) { range in
            let allKeys = bandKeys.unsafeBuffer
            let allSignatures = signatures.unsafeBuffer
            for j in range {
                let key = texts[j].map(Shingles.normalize).joined(separator: separator)
                keys[j] = key
                guard options.near else { continue }
                let set = Shingles.hashes(of: key, unit: options.shingle, size: options.shingleSize, seed: shingleSeed)
                shingles[j] = set
                guard !set.isEmpty else { continue }
                let signature = UnsafeMutableBufferPointer(rebasing: allSignatures[(j * perms)..<(j * perms + perms)])
                hasher.signature(of: set, into: signature)
                let row = UnsafeMutableBufferPointer(rebasing: allKeys[(j * bands)..<(j * bands + bands)])
                hasher.bandKeys(of: signature, into: row)
            }
        }
        return RecordFeatures(keys: keys.toArray(), shingles: shingles.toArray(), bandKeys: bandKeys.toArray(),
                              bands: bands, signatures: signatures.toArray(), permutations: perms)
    }
}
