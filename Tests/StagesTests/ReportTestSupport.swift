import Foundation
import LemaCore
import StageAPI
@testable import Stages

/// An `evaluate` node's summary as the engine hands it to `report` (with `_variants`).
func evaluationInput(stage: String = "evaluate", accuracy: Double?, low: Double, high: Double, n: Int, noAnswer: Int,
                     byDifficulty: [String: Double] = [:], variants: [(String, [String: JSONValue])]) -> InputArtifact {
    var summary: [String: JSONValue] = [
        "ci_low": .double(low), "ci_high": .double(high), "n": .int(Int64(n)),
        "no_answer": .int(Int64(noAnswer)), "split": .string("test"),
        "by_difficulty": .object(byDifficulty.mapValues { .double($0) }),
    ]
    if let accuracy { summary["accuracy"] = .double(accuracy) }
    if !variants.isEmpty {
        summary["_variants"] = .array(variants.map { .object(["name": .string($0.0), "params": .object($0.1)]) })
    }
    // Each evaluation is its own node (a shared node is one input listing several variants).
    var input = InputArtifact.fake(stage: stage, artifacts: [:], summary: summary)
    input.fingerprint = SeededRNG.derive(0, stage + variants.map(\.0).joined(separator: ";")).description
    return input
}

/// The 2 ratios × 2 modes sweep used by several tests (numbers chosen by hand).
func sweepInputs() -> [InputArtifact] {
    func v(_ ratio: Double, _ mode: String) -> [(String, [String: JSONValue])] {
        [("ratio=\(ratio),mode=\(mode)", ["ratio": .double(ratio), "mode": .string(mode)])]
    }
    return [
        evaluationInput(accuracy: 0.5, low: 0.4, high: 0.6, n: 100, noAnswer: 5, byDifficulty: ["1": 0.75, "2": 0.25],
                        variants: v(1, "lema")),
        evaluationInput(accuracy: 0.25, low: 0.18, high: 0.34, n: 100, noAnswer: 10, byDifficulty: ["1": 0.5, "2": 0],
                        variants: v(0.5, "lema")),
        evaluationInput(accuracy: 0.125, low: 0.07, high: 0.2, n: 80, noAnswer: 0, byDifficulty: ["2": 0.1],
                        variants: v(0.5, "corrected-as-cot")),
        evaluationInput(accuracy: 0.375, low: 0.3, high: 0.45, n: 80, noAnswer: 8, byDifficulty: ["1": 0.5, "2": 0.25],
                        variants: v(1, "corrected-as-cot")),
    ]
}

/// A train node with a loss.jsonl written into the context's scratch files.
func trainingInput(_ context: FakeStageContext, stage: String, losses: [Double], variants: [String] = []) throws -> InputArtifact {
    let lines = losses.enumerated().map { "{\"loss\":\($0.element),\"lr\":0.001,\"step\":\(($0.offset + 1) * 10)}" }
    let url = try context.writeFile("\(stage)-\(variants.first ?? "default")-loss.jsonl", lines.joined(separator: "\n") + "\n")
    var summary: [String: JSONValue] = [:]
    if !variants.isEmpty { summary["_variants"] = .array(variants.map { .object(["name": .string($0), "params": .object([:])]) }) }
    return .fake(stage: stage, artifacts: ["loss": url, "model": url], summary: summary)
}

/// Runs `report` with the given inputs and returns the outcome with the context (caller cleans up).
func runReport(evaluations: [InputArtifact], training: (FakeStageContext) throws -> [InputArtifact] = { _ in [] },
               params: [String: JSONValue] = [:]) throws -> (StageOutcome, FakeStageContext) {
    let context = try FakeStageContext(stageName: "report", params: params)
    context.setInputs("evaluations", evaluations)
    context.setInputs("training", try training(context))
    return (try ReportKind().run(context), context)
}

func occurrences(of needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }
