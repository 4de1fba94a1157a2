import Foundation
import LemaCore
import StageAPI
import Testing
@testable import Stages

/// The report's training facts: the truncation table and the loss per data source.
@Suite("report: truncation and loss per source")
struct ReportTrainingTests {
    static func training(_ context: FakeStageContext) throws -> [InputArtifact] {
        let lines = (0..<20).map { step in
            "{\"loss\":1.0,\"loss_by_source\":{\"correction\":\(5.0 - Double(step) * 0.1),\"cot\":0.15},\"lr\":0.001,\"step\":\(step)}"
        }
        let url = try context.writeFile("finetune-loss.jsonl", lines.joined(separator: "\n") + "\n")
        let truncation = TruncationTally(sequenceLengths: [100, 200, 276, 50], sources: ["cot", "correction", "correction", "cot"],
                                         contextLength: 160)
        return [.fake(stage: "finetune", artifacts: ["loss": url], summary: [
            "truncation": truncation.summaryValue, "truncated_examples": .int(2), "context": .int(160)])]
    }

    @Test func truncationIsATablePerSourceInEveryFormat() throws {
        let (outcome, context) = try runReport(evaluations: sweepInputs(), training: Self.training)
        defer { context.cleanUp() }
        let markdown = context.outputText(outcome, "report")
        #expect(markdown.contains("## Truncation\n\n2 training examples were longer than their model's context"))
        // 200 − 161 = 39 and 276 − 161 = 115 tokens lost.
        #expect(markdown.contains("| finetune | correction | 2 | 2 | 154 | 115 | 276 | 161 |"))
        #expect(markdown.contains("| finetune | cot | 2 | 0 | 0 | 0 | 100 | 161 |"))
        #expect(context.outputText(outcome, "index").contains("<h2>Truncation</h2>"))
        let results = try JSONValue.parse(Data(context.outputText(outcome, "results").utf8))
        let rows = try #require(results["truncation"]?.arrayValue)
        #expect(rows.count == 2 && rows[0]["source"]?.stringValue == "correction" && rows[0]["tokens_cut"]?.intValue == 154)
    }

    @Test func lossPerSourceIsAFigureWithALinePerSource() throws {
        let (outcome, context) = try runReport(evaluations: sweepInputs(), training: Self.training)
        defer { context.cleanUp() }
        let svg = context.outputText(outcome, "loss_by_source")
        #expect(svg.contains("finetune · correction") && svg.contains("finetune · cot"))
        #expect(context.outputText(outcome, "report").contains("![Training loss per data source](loss_by_source.svg)"))
        let curves = LossCurve.read(try Self.training(context)).curves
        #expect(curves[0].bySource["correction"]?.first?.loss == 5.0)
        #expect(curves[0].bySource["cot"]?.count == 20)
        // A running mean over 10 steps: at step 9 the mean of 5.0 … 4.1 is 4.55.
        let chart = try #require(ReportCharts.lossBySource(curves, scale: .linear))
        let correction = try #require(chart.series.first { $0.name == "finetune · correction" })
        #expect(abs((correction.points.first { $0.x == 9 }?.y ?? 0) - 4.55) < 1e-9)
    }

    @Test func oldTrainingRunsAddNeitherSection() throws {
        let (outcome, context) = try runReport(evaluations: sweepInputs(), training: { context in
            [try trainingInput(context, stage: "finetune", losses: [2, 1])]
        })
        defer { context.cleanUp() }
        #expect(!context.outputText(outcome, "report").contains("## Truncation"))
        #expect(outcome.artifacts["loss_by_source"] == nil)
    }
}
