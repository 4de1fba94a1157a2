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
        var ascii = [Bool](repeating: false, count: 128)  // hashing every ASCII byte would dominate the cost
        var other = Set<UInt32>()
        for text in texts {
            Self.forEachScalarValue(in: text) { value in
                if value < 128 { ascii[Int(value)] = true } else { other.insert(value) }
            }
        }
        self.init(validatedScalars: (0..<128).filter { ascii[$0] }.map { UInt32($0) } + other.sorted())
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
        Self.forEachScalarValue(in: text) { value in
            out.append(value < 128 ? asciiIDs[Int(value)] : otherIDs[value] ?? SpecialTokens.unk)
        }
    }

    /// Calls `body` with the code point of every scalar of `text`, decoding the UTF-8 bytes directly when the
    /// string is stored contiguously (native strings are, and are valid UTF-8), which is several times faster
    /// than the `unicodeScalars` view.
    @inline(__always)
    static func forEachScalarValue(in text: String, _ body: (UInt32) -> Void) {
        let handled: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
            var i = 0
            let n = bytes.count
            while i < n {
                let lead = UInt32(bytes[i])
                if lead < 0x80 {
                    body(lead)
                    i += 1
                } else if lead < 0xE0, i + 1 < n {
                    body((lead & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F))
                    i += 2
                } else if lead < 0xF0, i + 2 < n {
                    body((lead & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F))
                    i += 3
                } else if i + 3 < n {
                    body((lead & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6
                        | UInt32(bytes[i + 3] & 0x3F))
                    i += 4
                } else {
                    i += 1  // unreachable for valid UTF-8
                }
            }
        }
        if handled == nil {
            for scalar in text.unicodeScalars { body(scalar.value) }
        }
    }
}
