/// One token per Unicode scalar seen in the training texts, plus the four specials.
///
/// Ids: 0 pad, 1 bos, 2 eos, 3 unk, then the training texts' distinct scalars in ascending code-point order
/// (so the same texts give the same ids regardless of their order). A scalar that was not in the training texts
/// encodes to `unk` and decodes to U+FFFD, so such text does not round-trip; everything else does, exactly.
public struct CharTokenizer: Tokenizer, Equatable {
    let alphabet: ScalarAlphabet

    /// Builds the vocabulary from the training texts (prompts and targets alike).
    public init<S: Sequence>(trainingTexts: S) where S.Element == String {
        alphabet = ScalarAlphabet(texts: trainingTexts)
    }

    init(alphabet: ScalarAlphabet) { self.alphabet = alphabet }

    /// Always `.char`.
    public var kind: TokenizerKind { .char }
    /// 4 specials + one id per distinct scalar of the training texts.
    public var vocabularySize: Int { alphabet.idCount }

    /// One id per Unicode scalar; scalars not in the training texts become `unk`.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        alphabet.appendIDs(of: text, to: &ids)
        return ids
    }

    /// One scalar per id; specials per `specials`, `unk` and unknown ids as U+FFFD.
    public func decode(_ ids: [Int32], specials: SpecialTokenRendering) -> String {
        // Building UTF-8 bytes and decoding once is several times faster than appending scalars to a String.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count)
        for id in ids {
            if let scalar = alphabet.scalar(of: id) {
                if scalar.isASCII {
                    bytes.append(UInt8(truncatingIfNeeded: scalar.value))
                } else if let encoded = UTF8.encode(scalar) {
                    bytes.append(contentsOf: encoded)
                }
            } else if let text = Self.specialText(id, specials) {
                bytes.append(contentsOf: text.utf8)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The id's scalar as a string; specials render as `<|eos|>` etc., unknown ids as U+FFFD.
    public func piece(for id: Int32) -> String {
        alphabet.scalar(of: id).map { String($0) } ?? SpecialTokens.renderedText(id) ?? "\u{FFFD}"
    }

    /// The alphabet's code points; no merges.
    public var archive: TokenizerArchive {
        TokenizerArchive(kind: .char, alphabet: alphabet.scalars, merges: [])
    }

    /// The text a non-scalar id decodes to: U+FFFD for unk and unknown ids, specials per `rendering`.
    static func specialText(_ id: Int32, _ rendering: SpecialTokenRendering) -> String? {
        switch id {
        case SpecialTokens.pad, SpecialTokens.bos, SpecialTokens.eos:
            rendering == .render ? SpecialTokens.renderedText(id) : nil
        default:
            "\u{FFFD}"
        }
    }
}
