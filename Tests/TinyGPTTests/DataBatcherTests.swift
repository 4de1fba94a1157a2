import Testing
@testable import TinyGPT

/// Hand-built examples; token ids ≥ 10 stand for ordinary tokens (bos = 1, eos = 2, pad = 0).
private let e0 = Example(prompt: [10, 11], target: [20])  // sequence [1,10,11,20,2]
private let e1 = Example(prompt: [12], target: [21, 22])  // sequence [1,12,21,22,2]
private let e2 = Example(prompt: [], target: [23])  // sequence [1,23,2]

@Suite("Batcher")
struct BatcherTests {
    @Test("pad layout: one example per row, loss on target tokens and eos only")
    func padLayout() throws {
        let batcher = try Batcher(examples: [e0, e1], batchSize: 2, length: 5, layout: .pad)
        var cursor = batcher.makeCursor(seed: 1, shuffle: false)
        let batch = try batcher.nextBatch(cursor: &cursor)
        #expect(batch.tokens == [1, 10, 11, 20, 2, /**/ 1, 12, 21, 22, 2])
        #expect(batch.targets == [10, 11, 20, 2, 0, /**/ 12, 21, 22, 2, 0])
        #expect(batch.lossMask == [0, 0, 1, 1, 0, /**/ 0, 1, 1, 1, 0])
        #expect(batch.segments == [1, 1, 1, 1, 1, /**/ 1, 1, 1, 1, 1])
        #expect(batch.validLengths == [5, 5])
        #expect(batch.exampleIndices == [0, 1])
        #expect(batch.truncatedExamples == 0)
        #expect(batch.targetTokenCount == 5)
        #expect((batch.batchSize, batch.length) == (2, 5))
        #expect((cursor.epoch, cursor.position) == (1, 0))
    }

    @Test("pad layout fills the rest of the row with pad")
    func padTail() throws {
        let batcher = try Batcher(examples: [e2], batchSize: 1, length: 6, layout: .pad)
        var cursor = batcher.makeCursor(seed: 1, shuffle: false)
        let batch = try batcher.nextBatch(cursor: &cursor)
        #expect(batch.tokens == [1, 23, 2, 0, 0, 0])
        #expect(batch.targets == [23, 2, 0, 0, 0, 0])
        #expect(batch.lossMask == [1, 1, 0, 0, 0, 0])
        #expect(batch.segments == [1, 1, 1, 0, 0, 0])
        #expect(batch.validLengths == [3])
    }

    @Test("pack layout: examples follow each other, never split, eos→bos transition carries no loss")
    func packLayout() throws {
        let batcher = try Batcher(examples: [e0, e1, e2], batchSize: 2, length: 7, layout: .pack)
        var cursor = batcher.makeCursor(seed: 1, shuffle: false)
        let batch = try batcher.nextBatch(cursor: &cursor)
        // Row 0: e0 (5 tokens); e1 does not fit in the remaining 3 → row 1: e1 then e2 (5 + 3 = T + 1).
        #expect(batch.tokens == [1, 10, 11, 20, 2, 0, 0, /**/ 1, 12, 21, 22, 2, 1, 23])
        #expect(batch.targets == [10, 11, 20, 2, 0, 0, 0, /**/ 12, 21, 22, 2, 1, 23, 2])
        #expect(batch.lossMask == [0, 0, 1, 1, 0, 0, 0, /**/ 0, 1, 1, 1, 0, 1, 1])
        #expect(batch.segments == [1, 1, 1, 1, 1, 0, 0, /**/ 1, 1, 1, 1, 1, 2, 2])
        #expect(batch.validLengths == [5, 7])
        #expect(batch.exampleIndices == [0, 1, 2])
        // e0 of the next epoch did not fit: it stays for the next batch.
        #expect((cursor.epoch, cursor.position) == (1, 0))
        let next = try batcher.nextBatch(cursor: &cursor)
        #expect(next.exampleIndices == [0, 1, 2])
        #expect(next == batch)
    }

    @Test("too-long prompts lose their oldest tokens, bos stays")
    func truncatePromptFromLeft() throws {
        let long = Example(prompt: [10, 11, 12, 13], target: [20])  // 7 tokens, context holds 5
        let batcher = try Batcher(examples: [long], batchSize: 1, length: 4, layout: .pad)
        var cursor = batcher.makeCursor(seed: 1, shuffle: false)
        let batch = try batcher.nextBatch(cursor: &cursor)
        #expect(batch.tokens == [1, 12, 13, 20])
        #expect(batch.targets == [12, 13, 20, 2])
        #expect(batch.lossMask == [0, 0, 1, 1])
        #expect(batch.truncatedExamples == 1)
    }

    @Test("a target longer than the context is cut at its end after the whole prompt is dropped")
    func truncateTargetFromRight() throws {
        let long = Example(prompt: [10], target: [20, 21, 22, 23])
        for layout in Batcher.Layout.allCases {
            let batcher = try Batcher(examples: [long], batchSize: 1, length: 3, layout: layout)
            var cursor = batcher.makeCursor(seed: 1, shuffle: false)
            let batch = try batcher.nextBatch(cursor: &cursor)
            #expect(batch.tokens == [1, 20, 21])
            #expect(batch.targets == [20, 21, 22])
            #expect(batch.lossMask == [1, 1, 1])
            #expect(batch.truncatedExamples == 1)
        }
    }

    @Test("paddedBatch lays out given examples and leaves unused rows as padding")
    func paddedBatchForEvaluation() throws {
        let batcher = try Batcher(examples: [e0, e1, e2], batchSize: 2, length: 5, layout: .pack)
        let batch = batcher.paddedBatch(of: [2])
        #expect(batch.tokens == [1, 23, 2, 0, 0, /**/ 0, 0, 0, 0, 0])
        #expect(batch.lossMask == [1, 1, 0, 0, 0, /**/ 0, 0, 0, 0, 0])
        #expect(batch.validLengths == [3, 0])
        #expect(batch.exampleIndices == [2])
    }

    @Test("invalid batcher setups are rejected with a message")
    func invalidSetups() throws {
        #expect(throws: DataError.noExamples) { try Batcher(examples: [], batchSize: 1, length: 4, layout: .pad) }
        #expect(throws: DataError.invalidBatchShape(batchSize: 0, length: 4)) {
            try Batcher(examples: [e0], batchSize: 0, length: 4, layout: .pad)
        }
        let batcher = try Batcher(examples: [e0, e1], batchSize: 1, length: 4, layout: .pad)
        var foreign = try DataCursor(exampleCount: 3, seed: 1)
        do {
            _ = try batcher.nextBatch(cursor: &foreign)
            Issue.record("a cursor over 3 examples was accepted by a batcher over 2")
        } catch {
            #expect(error == .cursorMismatch(cursorExamples: 3, batcherExamples: 2))
            #expect(error.description.contains("saved for 3 examples but the batcher has 2"))
        }
    }

    @Test("Example(prompt:target:tokenizer:) tokenizes both parts")
    func exampleFromText() {
        let tokenizer = CharTokenizer(trainingTexts: ["ab="])
        let example = Example(prompt: "a=", target: "b", tokenizer: tokenizer)
        #expect(example == Example(prompt: [5, 4], target: [6]))
        #expect(example.sequenceLength == 5)
    }
}
