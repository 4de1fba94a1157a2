import Foundation

/// The serialized form of any lema tokenizer, stored as JSON in checkpoints and next to datasets.
///
/// ```json
/// {"alphabet":[10,32,43,...],"format":"lema.tokenizer","kind":"bpe","merges":[[52,8],[60,61],...],"version":1}
/// ```
/// `alphabet` lists code points in id order (id = 4 + index); `merges` (BPE only) lists the merged pairs in rank
/// order, merge `r` creating id `4 + alphabet.count + r`. Code points rather than strings keep the file exact:
/// string comparison in Swift is by canonical equivalence, code points are not.
public struct TokenizerArchive: Codable, Sendable, Equatable {
    /// The value of `format` in every archive.
    public static let formatName = "lema.tokenizer"
    /// The newest archive version this build reads and writes.
    public static let currentVersion = 1

    /// Always `formatName`; checked on load.
    public var format: String
    /// Archive version; this build loads only `currentVersion`.
    public var version: Int
    /// Which tokenizer to restore.
    public var kind: TokenizerKind
    /// Code points in id order: id = 4 + index.
    public var alphabet: [UInt32]
    /// BPE merges as [left, right] id pairs in rank order; empty for `.char`.
    public var merges: [[Int32]]

    /// An archive of the current format and version; contents are validated by `makeTokenizer()`.
    public init(kind: TokenizerKind, alphabet: [UInt32], merges: [[Int32]]) {
        format = Self.formatName
        version = Self.currentVersion
        self.kind = kind
        self.alphabet = alphabet
        self.merges = merges
    }

    /// Deterministic JSON text (sorted keys, no whitespace).
    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Restores the concrete tokenizer this archive describes, validating it first.
    public func makeTokenizer() throws(TokenizerArchiveError) -> any Tokenizer {
        guard format == Self.formatName else {
            throw .invalid("format is '\(format)', expected '\(Self.formatName)'")
        }
        guard version == Self.currentVersion else {
            throw .invalid("version \(version) is not supported (this build reads version \(Self.currentVersion))")
        }
        let alphabet = try ScalarAlphabet(codePoints: alphabet)
        switch kind {
        case .char:
            guard merges.isEmpty else { throw .invalid("a char tokenizer has no merges, found \(merges.count)") }
            return CharTokenizer(alphabet: alphabet)
        case .bpe:
            return try BPETokenizer(alphabet: alphabet, merges: merges)
        }
    }

    /// Parses JSON text written by `jsonString()` and restores the tokenizer.
    public static func load(json: String) throws(TokenizerArchiveError) -> any Tokenizer {
        let archive: TokenizerArchive
        do {
            archive = try JSONDecoder().decode(TokenizerArchive.self, from: Data(json.utf8))
        } catch {
            throw .invalid("not a tokenizer archive: \(error)")
        }
        return try archive.makeTokenizer()
    }
}

/// A tokenizer archive that cannot be restored.
public enum TokenizerArchiveError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What is wrong with the archive.
    case invalid(String)

    /// What is wrong, and that the tokenizer must be rebuilt from the training data.
    public var description: String {
        switch self {
        case .invalid(let why): "invalid tokenizer archive: \(why); rebuild the tokenizer from the training data"
        }
    }
}
