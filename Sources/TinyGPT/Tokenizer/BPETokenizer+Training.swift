extension BPETokenizer {
    /// Learns a byte-pair vocabulary from the training texts.
    ///
    /// The alphabet is every scalar of `texts` (as in `CharTokenizer`); then, at most `maxMerges` times, the most
    /// frequent adjacent pair inside chunks (see `PreTokenizer`; digits are never part of a pair) is merged into a
    /// new token. Ties break towards the smaller left id, then the smaller right id, so training is a pure
    /// function of the multiset of texts (their order does not matter). Training stops early when the best pair
    /// occurs fewer than `minPairFrequency` times.
    ///
    /// Cost: each merge rescans the distinct chunks (a few thousand for math text), which is fine for vocabularies
    /// of hundreds to a few thousand merges.
    public static func train(texts: [String], maxMerges: Int, minPairFrequency: Int = 2) -> BPETokenizer {
        let alphabet = ScalarAlphabet(texts: texts)
        let preTokenizer = PreTokenizer(alphabet: alphabet)
        var words = distinctChunks(texts, alphabet: alphabet, preTokenizer: preTokenizer)

        var pairCounts: [UInt64: Int] = [:]
        for word in words { Self.addPairs(of: word.symbols, weight: word.count, to: &pairCounts) }

        var merges: [Merge] = []
        let base = Int32(alphabet.idCount)
        while merges.count < max(0, maxMerges) {
            guard let (key, count) = Self.bestPair(pairCounts), count >= max(1, minPairFrequency) else { break }
            let merge = Merge(left: Int32(truncatingIfNeeded: key >> 32), right: Int32(truncatingIfNeeded: key))
            let newID = base + Int32(merges.count)
            for index in words.indices where Self.contains(words[index].symbols, merge) {
                Self.addPairs(of: words[index].symbols, weight: -words[index].count, to: &pairCounts)
                Self.replace(merge, with: newID, in: &words[index].symbols)
                Self.addPairs(of: words[index].symbols, weight: words[index].count, to: &pairCounts)
            }
            merges.append(merge)
        }
        do {
            return try BPETokenizer(alphabet: alphabet, typedMerges: merges)
        } catch {
            // Training only merges ids it created, and digits never reach a pair, so validation cannot fail.
            preconditionFailure("BPE training produced an invalid vocabulary: \(error)")
        }
    }

    private struct Word {
        var symbols: [Int32]
        let count: Int
    }

    /// The distinct multi-symbol chunks of all texts with their counts, sorted by ids for a stable order.
    private static func distinctChunks(_ texts: [String], alphabet: ScalarAlphabet,
                                       preTokenizer: PreTokenizer) -> [Word] {
        var counts: [[Int32]: Int] = [:]
        var ids: [Int32] = []
        for text in texts {
            ids.removeAll(keepingCapacity: true)
            alphabet.appendIDs(of: text, to: &ids)
            ids.withUnsafeBufferPointer { buffer in
                preTokenizer.forEachChunk(buffer) { start, end in
                    if end - start > 1 { counts[Array(buffer[start..<end]), default: 0] += 1 }
                }
            }
        }
        return counts.map { Word(symbols: $0.key, count: $0.value) }
            .sorted { $0.symbols.lexicographicallyPrecedes($1.symbols) }
    }

    /// The most frequent pair; ties go to the smallest key, i.e. smallest left id, then smallest right id.
    private static func bestPair(_ counts: [UInt64: Int]) -> (UInt64, Int)? {
        var best: (UInt64, Int)?
        for (key, count) in counts {
            guard let current = best else { best = (key, count); continue }
            if count > current.1 || (count == current.1 && key < current.0) { best = (key, count) }
        }
        return best
    }

    private static func addPairs(of symbols: [Int32], weight: Int, to counts: inout [UInt64: Int]) {
        guard symbols.count > 1 else { return }
        for i in 0..<(symbols.count - 1) {
            let key = pairKey(symbols[i], symbols[i + 1])
            let updated = counts[key, default: 0] + weight
            counts[key] = updated == 0 ? nil : updated
        }
    }

    private static func contains(_ symbols: [Int32], _ merge: Merge) -> Bool {
        guard symbols.count > 1 else { return false }
        for i in 0..<(symbols.count - 1) where symbols[i] == merge.left && symbols[i + 1] == merge.right {
            return true
        }
        return false
    }

    /// Replaces the non-overlapping occurrences of the pair, left to right (the same rule `applyMerges` uses).
    private static func replace(_ merge: Merge, with newID: Int32, in symbols: inout [Int32]) {
        var out: [Int32] = []
        out.reserveCapacity(symbols.count)
        var i = 0
        while i < symbols.count {
            if i + 1 < symbols.count && symbols[i] == merge.left && symbols[i + 1] == merge.right {
                out.append(newID)
                i += 2
            } else {
                out.append(symbols[i])
                i += 1
            }
        }
        symbols = out
    }
}
