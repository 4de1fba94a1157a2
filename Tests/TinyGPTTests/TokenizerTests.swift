import Foundation
import Testing
@testable import TinyGPT

@Suite("Char tokenizer")
struct CharTokenizerTests {
    @Test("ids are the specials, then the distinct scalars in code-point order")
    func vocabularyLayout() {
        let tokenizer = CharTokenizer(trainingTexts: ["cab", "bb"])
        #expect(tokenizer.vocabularySize == 7)
        #expect(tokenizer.encode("abc") == [4, 5, 6])
        #expect(tokenizer.encode("cab") == [6, 4, 5])
        #expect([tokenizer.pad, tokenizer.bos, tokenizer.eos, tokenizer.unk] == [0, 1, 2, 3])
        #expect(tokenizer.piece(for: 5) == "b")
        #expect(tokenizer.piece(for: 2) == "<|eos|>")
    }

    @Test("math text round-trips exactly", arguments: MathFixtures.problems + [MathFixtures.heldOut])
    func roundTrip(text: String) {
        let tokenizer = CharTokenizer(trainingTexts: MathFixtures.problems)
        let ids = tokenizer.encode(text)
        #expect(ids.count == text.unicodeScalars.count)
        #expect(!ids.contains(SpecialTokens.unk))
        #expect(Array(tokenizer.decode(ids).unicodeScalars) == Array(text.unicodeScalars))
    }

    @Test("scalars, not grapheme clusters, are the unit")
    func combiningMarks() {
        let text = "cafe\u{301}\r\n"
        let tokenizer = CharTokenizer(trainingTexts: [text])
        #expect(tokenizer.encode(text).count == 7)
        #expect(Array(tokenizer.decode(tokenizer.encode(text)).unicodeScalars) == Array(text.unicodeScalars))
    }

    @Test("1- to 4-byte UTF-8 scalars get ids in code-point order and round-trip")
    func multiByteScalars() {
        let tokenizer = CharTokenizer(trainingTexts: ["😀€é a"])  // ' '=4 a=5 é=6 €=7 😀=8
        #expect(tokenizer.encode("😀é€ a") == [8, 6, 7, 4, 5])
        #expect(tokenizer.decode([8, 6, 7, 4, 5]) == "😀é€ a")
        let bpe = BPETokenizer.train(texts: ["é€😀 é€😀 é€😀"], maxMerges: 5)
        #expect(bpe.decode(bpe.encode("é€😀 é€😀")) == "é€😀 é€😀")
        // "é" is a letter, "€" and "😀" are symbols: two chunks, each merged whole.
        #expect(bpe.encode("é€😀").map { bpe.piece(for: $0) } == ["é", "€😀"])
    }

    @Test("unknown characters become unk and decode to U+FFFD")
    func unknownCharacters() {
        let tokenizer = CharTokenizer(trainingTexts: ["ab"])
        #expect(tokenizer.encode("aXb€") == [4, 3, 5, 3])
        #expect(tokenizer.decode([4, 3, 5]) == "a\u{FFFD}b")
        #expect(tokenizer.decode([4, 999, -1]) == "a\u{FFFD}\u{FFFD}")
    }

    @Test("decode drops pad/bos/eos by default and can render them")
    func specials() {
        let tokenizer = CharTokenizer(trainingTexts: ["ab"])
        let ids: [Int32] = [1, 4, 5, 2, 0, 0]
        #expect(tokenizer.decode(ids) == "ab")
        #expect(tokenizer.decode(ids, specials: .render) == "<|bos|>ab<|eos|><|pad|><|pad|>")
    }

    @Test("archive round trip restores an equal char tokenizer")
    func archiveRoundTrip() throws {
        let tokenizer = CharTokenizer(trainingTexts: MathFixtures.problems)
        let json = try tokenizer.jsonString()
        // "\n", " ", "$", "%", "'", "*", "+", ",", "-", ".", "0" are the smallest code points of the fixtures.
        #expect(json.hasPrefix("{\"alphabet\":[10,32,36,37,39,42,43,44,45,46,48,"))
        let restored = try #require(try TokenizerArchive.load(json: json) as? CharTokenizer)
        #expect(restored == tokenizer)
        #expect(try restored.jsonString() == json)
    }
}

@Suite("Tokenizer archives")
struct TokenizerArchiveTests {
    @Test("invalid archives are rejected with the reason", arguments: [
        (#"{"format":"other","version":1,"kind":"char","alphabet":[97],"merges":[]}"#, "format is 'other'"),
        (#"{"format":"lema.tokenizer","version":9,"kind":"char","alphabet":[97],"merges":[]}"#, "version 9"),
        (#"{"format":"lema.tokenizer","version":1,"kind":"char","alphabet":[97,97],"merges":[]}"#, "twice"),
        (#"{"format":"lema.tokenizer","version":1,"kind":"char","alphabet":[55296],"merges":[]}"#, "not a Unicode scalar"),
        (#"{"format":"lema.tokenizer","version":1,"kind":"char","alphabet":[97],"merges":[[4,4]]}"#, "no merges"),
        (#"{"format":"lema.tokenizer","version":1,"kind":"bpe","alphabet":[49,50],"merges":[[4,5]]}"#, "contains a digit"),
        (#"{"format":"lema.tokenizer","version":1,"kind":"bpe","alphabet":[97,98],"merges":[[4,7]]}"#, "not yet defined"),
        (#"{"format":"lema.tokenizer","version":1,"kind":"bpe","alphabet":[97,98],"merges":[[1,4]]}"#, "is a special"),
        (#"{"format":"lema.tokenizer","version":1,"kind":"bpe","alphabet":[97,98],"merges":[[4,5],[4,5]]}"#, "repeats"),
        (#"{"format":"lema.tokenizer","version":1,"kind":"bpe","alphabet":[97,98],"merges":[[4]]}"#, "two ids"),
        (#"{"kind":"bpe"}"#, "not a tokenizer archive"),
    ])
    func rejects(json: String, expected: String) {
        do {
            _ = try TokenizerArchive.load(json: json)
            Issue.record("accepted an invalid archive: \(json)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
            #expect(error.description.contains("invalid tokenizer archive"))
        }
    }
}
