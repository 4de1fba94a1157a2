import Foundation
import Testing
@testable import TinyGPT

@Suite("BPE tokenizer")
struct BPETokenizerTests {
    @Test("training follows the hand-computed merge sequence")
    func handComputedMerges() {
        // Chunks: "ab"×1, " ab"×2, "abc"×1 with ids ' '=4 a=5 b=6 c=7.
        // Pair counts: (a,b)=4, (' ',a)=2, (b,c)=1 → merge (5,6)→8; then (4,8)=2, (8,7)=1 → merge (4,8)→9;
        // then (8,7)=1 is below the minimum frequency 2 → stop.
        let tokenizer = BPETokenizer.train(texts: ["ab ab ab", "abc"], maxMerges: 10)
        #expect(tokenizer.merges == [.init(left: 5, right: 6), .init(left: 4, right: 8)])
        #expect(tokenizer.vocabularySize == 10)
        #expect(tokenizer.encode("ab abc") == [8, 9, 7])
        #expect(tokenizer.piece(for: 9) == " ab")
    }

    @Test("ties break to the smaller left id, then the smaller right id")
    func tieBreak() {
        // a=4 b=5 c=6 d=7; every pair occurs once.
        let tokenizer = BPETokenizer.train(texts: ["cd", "ab", "ac"], maxMerges: 2, minPairFrequency: 1)
        #expect(tokenizer.merges == [.init(left: 4, right: 5), .init(left: 4, right: 6)])
    }

    @Test("the merge budget caps the vocabulary")
    func mergeBudget() {
        let tokenizer = BPETokenizer.train(texts: MathFixtures.problems, maxMerges: 5)
        #expect(tokenizer.merges.count == 5)
        #expect(tokenizer.vocabularySize == CharTokenizer(trainingTexts: MathFixtures.problems).vocabularySize + 5)
    }

    @Test("math text round-trips exactly", arguments: MathFixtures.problems + [MathFixtures.heldOut, "  x\n\n\t 1  +2"])
    func roundTrip(text: String) {
        let tokenizer = BPETokenizer.train(texts: MathFixtures.problems + ["  x\n\n\t 1  +2"], maxMerges: 200)
        let ids = tokenizer.encode(text)
        #expect(ids.count < text.unicodeScalars.count)
        #expect(Array(tokenizer.decode(ids).unicodeScalars) == Array(text.unicodeScalars))
    }

    @Test("digits are never merged, even when digit pairs dominate the training text")
    func digitsStaySingle() throws {
        let texts = Array(repeating: "1234 + 1234 = 2468, 12x12 is 144.", count: 50) + MathFixtures.problems
        let tokenizer = BPETokenizer.train(texts: texts, maxMerges: 300)
        #expect(tokenizer.merges.count > 20)
        for id in 0..<Int32(tokenizer.vocabularySize) {
            let piece = tokenizer.piece(for: id)
            let hasDigit = piece.unicodeScalars.contains { $0.properties.numericType == .decimal }
            #expect(!hasDigit || piece.unicodeScalars.count == 1, "token \(id) '\(piece)' merges a digit")
        }
        let ids = tokenizer.encode("x1234=99")
        let pieces = ids.map { tokenizer.piece(for: $0) }
        #expect(Array(pieces.drop(while: { $0 != "1" })) == ["1", "2", "3", "4", "=", "9", "9"])
    }

    @Test("training is deterministic and independent of text order")
    func determinism() throws {
        let a = BPETokenizer.train(texts: MathFixtures.problems, maxMerges: 120)
        let b = BPETokenizer.train(texts: MathFixtures.problems.reversed(), maxMerges: 120)
        #expect(a == b)
        #expect(try a.jsonString() == b.jsonString())
    }

    @Test("archive round trip restores an equal BPE tokenizer that encodes the same")
    func archiveRoundTrip() throws {
        let tokenizer = BPETokenizer.train(texts: MathFixtures.problems, maxMerges: 80)
        let restored = try #require(try TokenizerArchive.load(json: tokenizer.jsonString()) as? BPETokenizer)
        #expect(restored == tokenizer)
        #expect(restored.encode(MathFixtures.heldOut) == tokenizer.encode(MathFixtures.heldOut))
    }

    @Test("repeated chunks (the encode cache) give the same ids as a fresh encode")
    func cacheConsistency() {
        let tokenizer = BPETokenizer.train(texts: MathFixtures.problems, maxMerges: 150)
        let once = tokenizer.encode(MathFixtures.heldOut)
        let twice = tokenizer.encode(MathFixtures.heldOut + MathFixtures.heldOut)
        #expect(twice == once + once)
    }

    @Test("measurement counts tokens, specials and compression")
    func measurement() {
        let char = CharTokenizer(trainingTexts: ["ab ab"])
        let stats = TokenizerMeasurement.measure(char, examples: ["ab", "a b!"])
        #expect(stats.tokens == (2 + 2) + (4 + 2))
        #expect(stats.unknownTokens == 1)
        #expect(stats.meanTokensPerExample == 5)
        #expect(stats.maxTokensPerExample == 6)
        #expect(stats.p95TokensPerExample == 6)
        #expect(stats.scalarsPerToken == 1)
        let bpe = BPETokenizer.train(texts: ["ab ab"], maxMerges: 10, minPairFrequency: 1)
        let compressed = TokenizerMeasurement.measure(bpe, examples: ["ab ab"])
        #expect(compressed.tokens == 2 + 2)  // "ab", " ab"
        #expect(compressed.scalarsPerToken == 2.5)
    }
}
