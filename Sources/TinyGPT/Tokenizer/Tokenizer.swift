import Foundation

/// Turns text into token ids and back. Every tokenizer in lema reserves the same four special ids at the bottom
/// of its vocabulary (see `SpecialTokens`), so batching, sampling and checkpoints never need to know which concrete
/// tokenizer is in use.
///
/// `encode` never emits `bos`/`eos`/`pad`: callers (the batcher, the sampler) add them where the format needs
/// them. Text that looks like a special token (e.g. "<|eos|>") is encoded as ordinary characters.
public protocol Tokenizer: Sendable {
    /// Which concrete tokenizer this is; `TokenizerArchive` uses it to restore the right type.
    var kind: TokenizerKind { get }
    /// Number of ids, specials included; every id produced by `encode` is in `0..<vocabularySize`.
    var vocabularySize: Int { get }
    /// Encodes text. Unicode scalars that were not in the training texts become `SpecialTokens.unk`.
    func encode(_ text: String) -> [Int32]
    /// Decodes ids. With `.drop`, `pad`/`bos`/`eos` produce no text; with `.render` they appear as `<|pad|>`,
    /// `<|bos|>`, `<|eos|>`. `unk` always decodes to U+FFFD (the replacement character) and ids outside the
    /// vocabulary decode to U+FFFD too, so decoding never fails.
    func decode(_ ids: [Int32], specials: SpecialTokenRendering) -> String
    /// The text of one id (a special renders as `<|eos|>` etc.); useful for inspecting the vocabulary.
    func piece(for id: Int32) -> String
    /// The self-describing JSON form; `TokenizerArchive.load(json:)` restores an equal tokenizer from it.
    var archive: TokenizerArchive { get }
}

extension Tokenizer {
    /// Decodes ids, dropping `pad`, `bos` and `eos` (the form a user wants to read).
    public func decode(_ ids: [Int32]) -> String { decode(ids, specials: .drop) }

    /// Padding id (0).
    public var pad: Int32 { SpecialTokens.pad }
    /// Begin-of-sequence id (1): first token of every training row and of every sampling prompt.
    public var bos: Int32 { SpecialTokens.bos }
    /// End-of-sequence id (2): ends every target; the sampler stops on it.
    public var eos: Int32 { SpecialTokens.eos }
    /// Unknown-character id (3).
    public var unk: Int32 { SpecialTokens.unk }

    /// The JSON text of `archive` (sorted keys, so equal tokenizers give equal bytes).
    public func jsonString() throws -> String { try archive.jsonString() }
}

/// The fixed special ids shared by all lema tokenizers. They sit below every ordinary token so that a vocabulary
/// can grow (more characters, more merges) without moving them.
public enum SpecialTokens {
    /// Padding id; never encoded, no loss on it.
    public static let pad: Int32 = 0
    /// Begin-of-sequence id, the first token of every row and prompt.
    public static let bos: Int32 = 1
    /// End-of-sequence id, the last token of every target; generation stops on it.
    public static let eos: Int32 = 2
    /// Unknown-character id, for scalars not seen when the tokenizer was built.
    public static let unk: Int32 = 3
    /// Number of reserved ids; ordinary tokens start here.
    public static let count = 4

    /// How a special id renders with `SpecialTokenRendering.render`.
    public static func renderedText(_ id: Int32) -> String? {
        switch id {
        case pad: "<|pad|>"
        case bos: "<|bos|>"
        case eos: "<|eos|>"
        case unk: "\u{FFFD}"
        default: nil
        }
    }
}

/// What `decode` does with `pad`, `bos` and `eos`.
public enum SpecialTokenRendering: Sendable {
    /// Produce no text for them.
    case drop
    /// Render them as `<|pad|>`, `<|bos|>`, `<|eos|>` (for debugging and logs).
    case render
}

/// The concrete tokenizer types.
public enum TokenizerKind: String, Codable, Sendable, CaseIterable {
    /// `CharTokenizer`: one token per Unicode scalar.
    case char
    /// `BPETokenizer`: the character alphabet plus learnt merges.
    case bpe
}
