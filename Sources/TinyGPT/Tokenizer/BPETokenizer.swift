/// A small byte-pair vocabulary over Unicode scalars: the character alphabet of `CharTokenizer` plus merges learnt
/// from the training texts (see `BPETokenizer.train`). Merges never cross pre-tokenizer chunks (`PreTokenizer`),
/// and every digit is its own chunk, so digits always stay single tokens — arithmetic needs them.
///
/// Ids: 0 pad, 1 bos, 2 eos, 3 unk, then the alphabet in code-point order, then one id per merge in rank order.
/// Encoding applies the merges in rank order, each to all its non-overlapping occurrences left to right, which
/// reproduces exactly the segmentation training produced.
public struct BPETokenizer: Tokenizer, Equatable {
    /// One learnt merge: `left` followed by `right` becomes one new token.
    public struct Merge: Sendable, Hashable {
        /// Id of the first token of the pair.
        public let left: Int32
        /// Id of the second token of the pair.
        public let right: Int32
    }

    let alphabet: ScalarAlphabet
    /// Merges in rank order; merge `r` creates id `alphabet.idCount + r`.
    public let merges: [Merge]
    let preTokenizer: PreTokenizer
    /// Pair key (`left << 32 | right`) → rank.
    private let ranks: [UInt64: Int32]
    /// UTF-8 bytes of all ids, concatenated (specials have none): id `i` is `pieceBytes[pieceStarts[i]..<pieceStarts[i+1]]`.
    /// One flat buffer keeps decoding free of per-token reference counting.
    private let pieceBytes: [UInt8]
    private let pieceStarts: [Int]  // (vocabularySize + 1)

    init(alphabet: ScalarAlphabet, merges: [[Int32]]) throws(TokenizerArchiveError) {
        var typed: [Merge] = []
        typed.reserveCapacity(merges.count)
        for pair in merges {
            guard pair.count == 2 else { throw .invalid("a merge must list two ids, found \(pair)") }
            typed.append(Merge(left: pair[0], right: pair[1]))
        }
        try self.init(alphabet: alphabet, typedMerges: typed)
    }

    init(alphabet: ScalarAlphabet, typedMerges: [Merge]) throws(TokenizerArchiveError) {
        self.alphabet = alphabet
        self.merges = typedMerges
        preTokenizer = PreTokenizer(alphabet: alphabet)
        var pieces = [[UInt8]](repeating: [], count: alphabet.idCount)
        for id in SpecialTokens.count..<alphabet.idCount {
            pieces[id] = alphabet.scalar(of: Int32(id)).map { Array(String($0).utf8) } ?? []
        }
        var ranks: [UInt64: Int32] = [:]
        for (rank, merge) in typedMerges.enumerated() {
            for side in [merge.left, merge.right] {
                guard side >= Int32(SpecialTokens.count), Int(side) < pieces.count else {
                    throw .invalid("merge \(rank) uses id \(side), which is a special or not yet defined")
                }
                guard Int(side) >= alphabet.idCount || preTokenizer.classes[Int(side)] != .digit else {
                    throw .invalid("merge \(rank) contains a digit; digits must stay single tokens")
                }
            }
            let key = Self.pairKey(merge.left, merge.right)
            guard ranks[key] == nil else { throw .invalid("merge \(rank) repeats an earlier merge") }
            ranks[key] = Int32(rank)
            pieces.append(pieces[Int(merge.left)] + pieces[Int(merge.right)])
        }
        self.ranks = ranks
        pieceBytes = pieces.flatMap { $0 }
        pieceStarts = pieces.reduce(into: [0]) { $0.append($0[$0.count - 1] + $1.count) }
    }

    /// Equal alphabets and merges in the same order (everything else derives from them).
    public static func == (a: BPETokenizer, b: BPETokenizer) -> Bool {
        a.alphabet == b.alphabet && a.merges == b.merges
    }

    @inline(__always)
    static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Always `.bpe`.
    public var kind: TokenizerKind { .bpe }
    /// 4 specials + the alphabet + one id per merge.
    public var vocabularySize: Int { pieceStarts.count - 1 }

    /// The alphabet's code points and the merges as id pairs.
    public var archive: TokenizerArchive {
        TokenizerArchive(kind: .bpe, alphabet: alphabet.scalars, merges: merges.map { [$0.left, $0.right] })
    }

    /// The token's text; specials render as `<|eos|>` etc., ids outside the vocabulary as U+FFFD.
    public func piece(for id: Int32) -> String {
        let i = Int(id)
        if i >= SpecialTokens.count && i < vocabularySize {
            return String(decoding: pieceBytes[pieceStarts[i]..<pieceStarts[i + 1]], as: UTF8.self)
        }
        return SpecialTokens.renderedText(id) ?? "\u{FFFD}"
    }

    /// Concatenates the tokens' UTF-8 bytes; specials per `specials`, unknown ids as U+FFFD.
    public func decode(_ ids: [Int32], specials: SpecialTokenRendering) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 3)
        let vocabularySize = vocabularySize
        pieceBytes.withUnsafeBufferPointer { pieces in
            pieceStarts.withUnsafeBufferPointer { starts in
                for id in ids {
                    let i = Int(id)
                    if i >= SpecialTokens.count && i < vocabularySize {
                        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: pieces[starts[i]..<starts[i + 1]]))
                    } else if let text = CharTokenizer.specialText(id, specials) {
                        bytes.append(contentsOf: text.utf8)
                    }
                }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Merges `symbols` in place: repeatedly the lowest-rank adjacent pair, all its occurrences left to right.
    func applyMerges(_ symbols: inout [Int32]) {
        let base = Int32(alphabet.idCount)
        while symbols.count > 1 {
            var bestRank = Int32.max
            for i in 0..<(symbols.count - 1) {
                if let rank = ranks[Self.pairKey(symbols[i], symbols[i + 1])], rank < bestRank { bestRank = rank }
            }
            guard bestRank != Int32.max else { return }
            let merge = merges[Int(bestRank)]
            var write = 0
            var read = 0
            while read < symbols.count {
                if read + 1 < symbols.count && symbols[read] == merge.left && symbols[read + 1] == merge.right {
                    symbols[write] = base + bestRank
                    read += 2
                } else {
                    symbols[write] = symbols[read]
                    read += 1
                }
                write += 1
            }
            symbols.removeLast(symbols.count - write)
        }
    }
}
