/// The base alphabet shared by both tokenizers: the distinct Unicode scalars of the training texts in ascending
/// code-point order, with ids starting after the specials. Unicode scalars (not `Character`s) are the unit so that
/// any string made of known scalars round-trips exactly: grapheme clusters such as "\r\n" or "e\u{301}" would
/// otherwise become single opaque symbols.
struct ScalarAlphabet: Sendable, Equatable {
    /// Code points in id order: `scalars[i]` has id `SpecialTokens.count + i`.
    let scalars: [UInt32]
    /// Id of every ASCII scalar (unk when absent): the hot path of encoding needs no hashing.
    private let asciiIDs: [Int32]  // (128)
    /// Ids of non-ASCII scalars.
    private let otherIDs: [UInt32: Int32]

    /// Builds the alphabet of the given texts.
    init<S: Sequence>(texts: S) where S.Element == String {
        var seen = Set<UInt32>()
        for text in texts { for scalar in text.unicodeScalars { seen.insert(scalar.value) } }
        self.init(validatedScalars: seen.sorted())
    }

    /// Restores an alphabet from its code points, rejecting duplicates and values that are not scalars.
    init(codePoints: [UInt32]) throws(TokenizerArchiveError) {
        var seen = Set<UInt32>()
        for value in codePoints {
            guard Unicode.Scalar(value) != nil else { throw .invalid("alphabet entry \(value) is not a Unicode scalar") }
            guard seen.insert(value).inserted else { throw .invalid("alphabet lists code point \(value) twice") }
        }
        self.init(validatedScalars: codePoints)
    }

    private init(validatedScalars: [UInt32]) {
        scalars = validatedScalars
        var ascii = [Int32](repeating: SpecialTokens.unk, count: 128)
        var other: [UInt32: Int32] = [:]
        for (i, value) in validatedScalars.enumerated() {
            let id = Int32(SpecialTokens.count + i)
            if value < 128 { ascii[Int(value)] = id } else { other[value] = id }
        }
        asciiIDs = ascii
        otherIDs = other
    }

    static func == (a: ScalarAlphabet, b: ScalarAlphabet) -> Bool { a.scalars == b.scalars }

    /// Number of ids: specials plus one per scalar.
    var idCount: Int { SpecialTokens.count + scalars.count }

    /// The scalar of an ordinary id, nil for specials and out-of-range ids.
    func scalar(of id: Int32) -> Unicode.Scalar? {
        let index = Int(id) - SpecialTokens.count
        guard index >= 0, index < scalars.count else { return nil }
        return Unicode.Scalar(scalars[index])
    }

    /// Appends the id of every scalar of `text` to `out` (unk for unknown scalars).
    func appendIDs(of text: String, to out: inout [Int32]) {
        out.reserveCapacity(out.count + text.utf8.count)
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 128 {
                out.append(asciiIDs[Int(value)])
            } else {
                out.append(otherIDs[value] ?? SpecialTokens.unk)
            }
        }
    }
}
