import Foundation
import LemaCore
import StageAPI
import Testing
import TinyGPT
@testable import Stages

/// Truncation and loss counted per data source by the train stage, on a constructed mix whose token counts are
/// known exactly (the char tokenizer: one token per character).
@Suite("train stage: truncation and loss per source")
struct LeMaTruncationTests {
    /// (source, prompt characters, target characters); `nil` source: a record without one.
    static let mix: [(source: String?, prompt: Int, target: Int)] = [
        ("cot", 10, 10),          // 22 tokens with bos/eos: fits a row of 41
        ("cot", 20, 25),          // 47: 6 cut
        ("correction", 30, 20),   // 52: 11 cut
        ("correction", 30, 30),   // 62: 21 cut
        (nil, 5, 5),              // 12: fits
    ]

    static func mixContext() throws -> FakeStageContext {
        let context = try FakeStageContext(stageName: "train", params: TinyTraining.withDefaults(TrainKind(), TinyTraining.params(
            steps: 3, checkpointEvery: 3,
            extra: ["tokenizer": .string("char"), "context": .int(40), "batch_size": .int(5)])))
        // Letters only, so each character is one token; prompts are long enough that only prompts are cut.
        let lines = Self.mix.enumerated().map { i, m -> String in
            var object: [String: JSONValue] = ["prompt": .string(String(repeating: "q", count: m.prompt)),
                                               "target": .string(String(repeating: "a", count: m.target)),
                                               "id": .string("r\(i)")]
            if let source = m.source { object["source"] = .string(source) }
            return JSONValue.object(object).canonicalText
        }
        let url = try context.writeFile("mix.jsonl", lines.joined(separator: "\n") + "\n")
        context.setInputs("data", [InputArtifact(stage: "mix", fingerprint: String(repeating: "1", count: 64),
                                                 selected: nil, artifacts: ["train": url], summary: [:])])
        return context
    }

    @Test func truncationIsCountedPerSourceWithTheTokensLost() throws {
        let context = try Self.mixContext()
        defer { context.cleanUp() }
        let outcome = try TrainKind().run(context)
        #expect(outcome.summary["truncated_examples"]?.intValue == 3)
        #expect(outcome.summary["context"]?.intValue == 40)
        let tally = TruncationTally(summary: outcome.summary["truncation"], contextLength: 40)
        #expect(tally.bySource["cot"] == .init(examples: 2, truncated: 1, tokensCut: 6, maxTokensCut: 6, longest: 47))
        #expect(tally.bySource["correction"] == .init(examples: 2, truncated: 2, tokensCut: 32, maxTokensCut: 21, longest: 62))
        #expect(tally.bySource[SourcedRecord.unlabelled] == .init(examples: 1, truncated: 0, tokensCut: 0, maxTokensCut: 0, longest: 12))
        #expect(tally.sentences == [
            "correction: 2 of 2 examples (100%) cut, 32 tokens lost (at most 21 from one; the longest is 62 tokens, a row holds 41)",
            "cot: 1 of 2 examples (50%) cut, 6 tokens lost (at most 6 from one; the longest is 47 tokens, a row holds 41)",
        ])
        #expect(context.logs.filter { $0.hasPrefix("warning: the context cuts training examples") }.count == 2)
    }

    @Test func lossIsSplitPerSourceAndTheSplitAveragesBackToTheLoss() throws {
        let context = try Self.mixContext()
        defer { context.cleanUp() }
        let outcome = try TrainKind().run(context)
        let lines = try JSONLines.split(Data(context.outputText(outcome, "loss").utf8), file: URL(fileURLWithPath: "loss"))
            .map { try $0.object() }
        #expect(lines.count == 3)
        // Every step's batch holds all five examples (batch_size 5, pad layout); loss-carrying tokens per source are
        // each target plus its eos (only prompts were cut): cot 11 + 26, correction 21 + 31, unlabelled 6.
        let weights = ["cot": 37.0, "correction": 52.0, SourcedRecord.unlabelled: 6.0]
        for line in lines {
            let bySource = try #require(line["loss_by_source"]?.objectValue).compactMapValues(\.doubleValue)
            #expect(Set(bySource.keys) == Set(weights.keys))
            let pooled = weights.reduce(0) { $0 + $1.value * (bySource[$1.key] ?? .nan) } / weights.values.reduce(0, +)
            let loss = try #require(line["loss"]?.doubleValue)
            #expect(abs(pooled - loss) < 1e-4 * loss, "pooled \(pooled) vs loss \(loss)")
        }
        #expect(context.metrics.filter { $0.name == "loss/correction" }.map(\.step) == [0, 1, 2])
    }

    @Test func packedRowsAttributeEachTokenToItsOwnExample() throws {
        // Two 6-token examples (prompt 2, target 2) share one row of a packed batch; token losses 1 for the first
        // example's positions and 3 for the second's show which example each position was credited to.
        let examples = [Example(prompt: [5, 6], target: [7, 8]), Example(prompt: [5, 6], target: [9, 10])]
        let batcher = try Batcher(examples: examples, batchSize: 1, length: 12, layout: .pack)
        var cursor = batcher.makeCursor(seed: 1, shuffle: false)
        let batch = try batcher.nextBatch(cursor: &cursor)
        #expect(batch.exampleIndices == [0, 1])
        let losses = batch.segments.map { Float($0 == 1 ? 1 : 3) }
        let split = SourceLoss.split(tokenLosses: losses, batch: batch, sources: ["cot", "correction"])
        #expect(split == ["cot": 1, "correction": 3])
    }
}
