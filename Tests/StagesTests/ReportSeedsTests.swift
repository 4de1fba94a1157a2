import Foundation
import LemaCore
import Math
import StageAPI
import Testing
@testable import Stages

/// The report across seeds: per-arm mean with a t-interval, and each arm paired with the baseline on the same
/// questions, pooled over seeds as `SeedSummary` documents. Numbers computed by hand in the comments.
@Suite("report across seeds")
struct ReportSeedsTests {
    /// Per question q1…q4, correct or not.
    typealias Answers = [Bool]

    /// Two points (mode=cot-only, the baseline; mode=lema) × seeds 1, 2, plus the base model's evaluation of each seed,
    /// shared by both points.
    ///   seed 1: cot-only T F T F (0.5)   lema T T F F (0.5)   base F F T F (0.25)
    ///   seed 2: cot-only T T F F (0.5)   lema T T T T (1.0)   base F F F F (0.0)
    static func inputs(_ context: FakeStageContext) throws -> [InputArtifact] {
        func input(_ stage: String, _ points: [String], seed: Int, _ answers: Answers) throws -> InputArtifact {
            let lines = answers.enumerated().map { i, ok in "{\"correct\":\(ok),\"problem_id\":\"q\(i + 1)\"}" }
            let name = "\(stage)-\(points.joined(separator: "+"))-\(seed)"
            let url = try context.writeFile(name + ".jsonl", lines.joined(separator: "\n") + "\n")
            let accuracy = Double(answers.filter { $0 }.count) / Double(answers.count)
            let variants: [JSONValue] = points.map { point in
                .object(["name": .string("\(point),seed=\(seed)"), "params": .object(["mode": .string(String(point.dropFirst(5)))]),
                         "replicate_of": .string(point), "seed": .int(Int64(seed))])
            }
            var artifact = InputArtifact.fake(stage: stage, artifacts: ["predictions": url], summary: [
                "accuracy": .double(accuracy), "n": .int(4), "_variants": .array(variants)])
            artifact.fingerprint = name
            return artifact
        }
        let both = ["mode=cot-only", "mode=lema"]
        return [
            try input("base_eval", both, seed: 1, [false, false, true, false]),
            try input("base_eval", both, seed: 2, [false, false, false, false]),
            try input("evaluate", ["mode=cot-only"], seed: 1, [true, false, true, false]),
            try input("evaluate", ["mode=cot-only"], seed: 2, [true, true, false, false]),
            try input("evaluate", ["mode=lema"], seed: 1, [true, true, false, false]),
            try input("evaluate", ["mode=lema"], seed: 2, [true, true, true, true]),
        ]
    }

    static func summary(baseline: String) throws -> (SeedSummary, FakeStageContext) {
        let context = try FakeStageContext(stageName: "report")
        let table = ReportTable.build(try inputs(context), x: "ratio", series: "mode")
        return (try #require(SeedSummary.build(table, baseline: baseline, resamples: 2000)), context)
    }

    @Test func armsHaveTheirSeedsAndAMeanWithATInterval() throws {
        let (s, context) = try Self.summary(baseline: "mode=cot-only")
        defer { context.cleanUp() }
        #expect(s.arms.map(\.label) == ["base_eval [all variants]", "evaluate [mode=cot-only]", "evaluate [mode=lema]"])
        #expect(s.arms.map(\.seeds) == [[1, 2], [1, 2], [1, 2]])
        #expect(s.arms.map(\.accuracies) == [[0.25, 0], [0.5, 0.5], [0.5, 1]])
        let lema = s.arms[2]
        // mean 0.75, s = 0.3536, s/√2 = 0.25, t(0.975; 1) = 12.7062
        #expect(lema.mean == 0.75)
        #expect(abs((lema.ciLow ?? 0) - (0.75 - 12.7062047 * 0.25)) < 1e-6)
        #expect(abs((lema.ciHigh ?? 0) - (0.75 + 12.7062047 * 0.25)) < 1e-6)
        #expect(s.arms[1].ciLow == 0.5 && s.arms[1].ciHigh == 0.5)  // no spread
        #expect(s.baseline == 1)
    }

    @Test func pairedComparisonPoolsDiscordantPairsAndBootstrapsQuestions() throws {
        let (s, context) = try Self.summary(baseline: "mode=cot-only")
        defer { context.cleanUp() }
        let lema = try #require(s.comparisons[2])
        // Discordant (question, seed) pairs: seed 1 b = {q2}, c = {q3}; seed 2 b = {q3, q4}: b = 3, c = 1.
        #expect(lema.b == 3 && lema.c == 1)
        // McNemar exact: 2 · (C(4,0) + C(4,1)) / 2⁴ = 10/16.
        #expect(abs(lema.pValue - 0.625) < 1e-12)
        // Per-question differences averaged over the seeds: q1 0, q2 ½, q3 0, q4 ½ → mean ¼ (= 0.75 − 0.5).
        #expect(lema.seeds == 2 && lema.questions == 4)
        #expect(lema.difference == 0.25)
        let expected = try #require(PairedBootstrap.meanInterval([0, 0.5, 0, 0.5], resamples: 2000))
        #expect(lema.low == expected.lower && lema.high == expected.upper)
        #expect(lema.low >= 0 && lema.high <= 0.5 && lema.low < 0.25 && lema.high > 0.25)
        // The base model vs cot-only: seed 1 b = {}, c = {q1}; seed 2 c = {q1, q2}: b = 0, c = 3, p = 2 · 1/8.
        let base = try #require(s.comparisons[0])
        #expect(base.b == 0 && base.c == 3 && abs(base.pValue - 0.25) < 1e-12)
        #expect(abs(base.difference - (-0.375)) < 1e-12)
        #expect(s.comparisons[1] == nil)
    }

    @Test(arguments: ["evaluate [mode=cot-only]", "mode=cot-only"])
    func theBaselineIsFoundByLabelOrPoint(_ name: String) throws {
        let (s, context) = try Self.summary(baseline: name)
        defer { context.cleanUp() }
        #expect(s.baseline == 1)
    }

    @Test func anUnknownBaselineIsANoteNotAFailure() throws {
        let (s, context) = try Self.summary(baseline: "mode=nope")
        defer { context.cleanUp() }
        #expect(s.baseline == nil && s.comparisons.isEmpty)
        #expect(s.notes == ["The baseline 'mode=nope' matches no arm (known: base_eval [all variants]; evaluate [mode=cot-only]; evaluate [mode=lema]), so there are no paired comparisons."])
    }

    @Test func theReportShowsTheTableTheFigureAndTheJSON() throws {
        let context = try FakeStageContext(stageName: "report", params: ["baseline": .string("mode=cot-only")])
        defer { context.cleanUp() }
        context.setInputs("evaluations", try Self.inputs(context))
        let outcome = try ReportKind().run(context)
        let markdown = context.outputText(outcome, "report")
        #expect(markdown.contains("## Across seeds"))
        #expect(markdown.contains("| evaluate [mode=cot-only] (baseline) | 1, 2 | 50.0% [50.0, 50.0] | 50.0 / 50.0 | — | — |"))
        #expect(markdown.contains("| evaluate [mode=lema] | 1, 2 | 75.0% [-242.7, 392.7] | 50.0 / 100.0 | +25.0 ["))
        #expect(markdown.contains("| 0.625 (3/1) |"))
        #expect(markdown.contains("![Across seeds](seeds.svg)"))
        let svg = context.outputText(outcome, "seeds")
        #expect(svg.contains("evaluate [mode=cot-only] (2 seeds) · baseline"))
        let results = try JSONValue.parse(Data(context.outputText(outcome, "results").utf8))
        #expect(results["seeds"]?["baseline"]?.stringValue == "evaluate [mode=cot-only]")
        let arms = try #require(results["seeds"]?["arms"]?.arrayValue)
        #expect(arms.count == 3)
        #expect(abs((arms[2]["vs_baseline"]?["mcnemar_p"]?.doubleValue ?? 0) - 0.625) < 1e-12)
        #expect(arms[2]["accuracies"] == .array([.double(0.5), .double(1)]))
        // The per-seed rows of the results table name the base model's evaluation once per seed.
        #expect(markdown.contains("| base_eval | all variants,seed=1 |"))
    }

    @Test func withoutReplicatesThereIsNoSeedSection() throws {
        let (outcome, context) = try runReport(evaluations: sweepInputs())
        defer { context.cleanUp() }
        #expect(!context.outputText(outcome, "report").contains("Across seeds"))
        #expect(outcome.artifacts["seeds"] == nil)
        #expect(try JSONValue.parse(Data(context.outputText(outcome, "results").utf8))["seeds"] == nil)
    }

    @Test func aPointsSeedsStayTogetherInTheTable() {
        // Two points with the same series value, handed over seed-major (as a gather over replicates can be).
        func input(_ point: String, seed: Int) -> InputArtifact {
            var artifact = InputArtifact.fake(stage: "evaluate", artifacts: [:], summary: [
                "accuracy": .double(0.5), "n": .int(4),
                "_variants": .array([.object(["name": .string("\(point),seed=\(seed)"), "params": .object(["mode": .string("lema")]),
                                              "replicate_of": .string(point), "seed": .int(Int64(seed))])])])
            artifact.fingerprint = "\(point)-\(seed)"
            return artifact
        }
        let table = ReportTable.build([input("a", seed: 1), input("b", seed: 1), input("a", seed: 2), input("b", seed: 2)],
                                      x: "ratio", series: "mode")
        #expect(table.rows.map(\.variant) == ["a,seed=1", "a,seed=2", "b,seed=1", "b,seed=2"])
    }
}
