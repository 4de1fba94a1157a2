import Foundation
import LemaCore
import Math
import StageAPI
import Testing
@testable import Stages

/// CoT problems (train split), a pool split, and the corrections `correct` makes of injected mistakes.
private final class MixFixture: @unchecked Sendable {
    // @unchecked: immutable after init; the contexts are thread-safe.
    let mistakes: MistakeFixture
    let corrections: FakeStageContext
    let correctionsOutcome: StageOutcome
    let train: [Problem]
    let pool: [Problem]
    let correctionRecords: [[String: JSONValue]]

    init() throws {
        mistakes = try MistakeFixture(datasetParams: LeMaFixture.datasetParams(count: 60, seed: 11, pool: 0.25))
        corrections = try mistakes.context()
        correctionsOutcome = try CorrectKind().run(corrections)
        train = try LeMaFixture.problems(mistakes.data, mistakes.dataOutcome, "train")
        pool = try LeMaFixture.problems(mistakes.data, mistakes.dataOutcome, "pool")
        correctionRecords = try LeMaFixture.objects(try #require(corrections.output(correctionsOutcome, "corrections")))
    }

    func cleanUp() { mistakes.data.cleanUp(); corrections.cleanUp() }

    func run(_ params: [String: JSONValue], withPool: Bool = true, poolSelected: String? = "pool", seed: UInt64 = 42) throws
        -> (records: [[String: JSONValue]], summary: [String: JSONValue], bytes: Data) {
        let context = try FakeStageContext(stageName: "mix", params: params, seed: seed)
        defer { context.cleanUp() }
        context.setInputs("cot", [LeMaFixture.input(mistakes.data, mistakes.dataOutcome, selected: "train")])
        context.setInputs("corrections", [LeMaFixture.input(corrections, correctionsOutcome)])
        if withPool {
            context.setInputs("pool", [LeMaFixture.input(mistakes.data, mistakes.dataOutcome, selected: poolSelected)])
        }
        let outcome = try MixKind().run(context)
        let url = try #require(context.output(outcome, "train"))
        return (try LeMaFixture.objects(url), outcome.summary, try Data(contentsOf: url))
    }
}

private func ids(_ records: [[String: JSONValue]], source: String) -> Set<String> {
    Set(records.filter { $0["source"]?.stringValue == source }.compactMap { $0["id"]?.stringValue })
}

@Suite("mix stage")
struct LeMaMixTests {
    @Test func lemaModeAddsCorrectionsAtTheRatio() throws {
        let f = try MixFixture()
        defer { f.cleanUp() }
        #expect(f.correctionRecords.count >= 10 && f.train.count >= 20)
        let ratio = 0.25
        let (records, summary, _) = try f.run(["mode": .string("lema"), "ratio": .double(ratio)])
        let wanted = Int((ratio * Double(f.train.count)).rounded())
        #expect(wanted <= f.correctionRecords.count)
        #expect(summary["cot"]?.intValue == f.train.count)
        #expect(summary["correction"]?.intValue == wanted)
        #expect(summary["total"]?.intValue == f.train.count + wanted)
        #expect(summary["capped"]?.boolValue == false)
        #expect(records.count == f.train.count + wanted)
        #expect(ids(records, source: "cot") == Set(f.train.map(\.id)))
        let builder = RecordBuilder()
        for record in records {
            #expect(Set(record.keys) == ["id", "source", "prompt", "target"])
            if record["source"]?.stringValue == "cot" {
                let problem = try #require(f.train.first { $0.id == record["id"]?.stringValue })
                #expect(record["target"]?.stringValue == problem.solution)
                #expect(record["prompt"]?.stringValue == builder.cot(question: problem.question, solution: "").prompt)
            } else {
                let prompt = record["prompt"]?.stringValue ?? ""
                #expect(prompt.hasSuffix(Correction.stepLabel) && prompt.contains("Original Solution: {"))
                let target = record["target"]?.stringValue ?? ""
                #expect(target.contains(Correction.explanationLabel) && target.contains(Correction.solutionLabel))
            }
        }
    }

    @Test func ratioSubsetsAreNestedAndCapped() throws {
        let f = try MixFixture()
        defer { f.cleanUp() }
        var previous: Set<String> = []
        for ratio in [0.25, 0.5, 1.0] {
            // A different node seed per ratio (as in a sweep) must not change which corrections are used.
            let (records, summary, _) = try f.run(["ratio": .double(ratio)], seed: UInt64(ratio * 100))
            let used = ids(records, source: "correction")
            let expected = min(Int((ratio * Double(f.train.count)).rounded()), f.correctionRecords.count)
            #expect(used.count == expected, "ratio \(ratio)")
            #expect(previous.isSubset(of: used), "ratio \(ratio) is not a superset of the smaller ratio")
            #expect(summary["capped"]?.boolValue == (expected < Int((ratio * Double(f.train.count)).rounded())))
            previous = used
        }
        let (records, summary, _) = try f.run(["ratio": .double(10)])
        #expect(ids(records, source: "correction").count == f.correctionRecords.count)
        #expect(summary["capped"]?.boolValue == true)
        #expect(summary["available_corrections"]?.intValue == f.correctionRecords.count)
    }

    @Test func cotOnlyHasNoCorrections() throws {
        let f = try MixFixture()
        defer { f.cleanUp() }
        let (records, summary, _) = try f.run(["mode": .string("cot-only"), "ratio": .double(1)])
        #expect(records.count == f.train.count)
        #expect(records.allSatisfy { $0["source"]?.stringValue == "cot" })
        #expect(summary["correction"] == nil && summary["capped"]?.boolValue == false)
    }

    @Test func cotSameSizeDrawsFromThePoolThenRepeats() throws {
        let f = try MixFixture()
        defer { f.cleanUp() }
        let small = min(f.pool.count, f.correctionRecords.count) - 1
        let ratio = Double(small) / Double(f.train.count)
        let (records, summary, _) = try f.run(["mode": .string("cot-same-size"), "ratio": .double(ratio)])
        let extra = ids(records, source: "cot-extra")
        #expect(extra.count == small)
        #expect(extra.isSubset(of: Set(f.pool.map(\.id))))
        #expect(summary["repeated_cot"]?.intValue == 0)
        #expect(records.count == f.train.count + small)
        // `pool: [data]` (the whole dataset stage) means its pool split, not its train split.
        let (whole, _, _) = try f.run(["mode": .string("cot-same-size"), "ratio": .double(ratio)], poolSelected: nil)
        #expect(ids(whole, source: "cot-extra") == extra)

        // More than the pool holds: the rest repeats CoT problems under distinct ids.
        let (more, moreSummary, _) = try f.run(["mode": .string("cot-same-size"), "ratio": .double(10)])
        let used = f.correctionRecords.count
        let repeated = max(0, used - f.pool.count)
        #expect(moreSummary["repeated_cot"]?.intValue == repeated)
        let moreExtra = more.filter { $0["source"]?.stringValue == "cot-extra" }
        #expect(moreExtra.count == used)
        #expect(Set(moreExtra.compactMap { $0["id"]?.stringValue }).count == used)
        #expect(moreExtra.filter { $0["id"]?.stringValue?.contains("#rep") == true }.count == repeated)

        // Without a pool every extra example is a repeat of a train problem's CoT example.
        let (noPool, noPoolSummary, _) = try f.run(["mode": .string("cot-same-size"), "ratio": .double(ratio)],
                                                   withPool: false)
        #expect(noPoolSummary["repeated_cot"]?.intValue == small)
        let trainTargets = Set(f.train.map(\.solution))
        #expect(noPool.filter { $0["source"]?.stringValue == "cot-extra" }
            .allSatisfy { trainTargets.contains($0["target"]?.stringValue ?? "") })
    }

    @Test func correctedAsCoTUsesTheCorrectedSolution() throws {
        let f = try MixFixture()
        defer { f.cleanUp() }
        let (records, _, _) = try f.run(["mode": .string("corrected-as-cot"), "ratio": .double(10)])
        let extra = records.filter { $0["source"]?.stringValue == "corrected-as-cot" }
        #expect(extra.count == f.correctionRecords.count)
        let byID = Dictionary(f.correctionRecords.map { ("\($0["problem_id"]?.stringValue ?? "?")#\($0["sample"]?.intValue ?? 0)", $0) }, uniquingKeysWith: { a, _ in a })
        for record in extra {
            let correction = try #require(byID[record["id"]?.stringValue ?? ""])
            #expect(record["target"]?.stringValue == correction["corrected"]?.stringValue)
            #expect(record["prompt"]?.stringValue?.hasPrefix("Please solve the following math problem.") == true)
            #expect(record["target"]?.stringValue?.contains(Correction.explanationLabel) == false)
        }
    }

    @Test(arguments: [
        (["explanation"], Correction.explanationLabel, Correction.stepLabel),
        (["step"], Correction.stepLabel, Correction.explanationLabel),
        (["solution"], Correction.solutionLabel, Correction.stepLabel),
        (["step", "explanation"], Correction.explanationLabel, Correction.solutionLabel),
    ])
    func droppedComponentsLeaveTheTarget(drop: [String], absent: String, promptLabel: String) throws {
        let f = try MixFixture()
        defer { f.cleanUp() }
        let (records, _, _) = try f.run(["ratio": .double(1), "drop": .array(drop.map { .string($0) })])
        let corrections = records.filter { $0["source"]?.stringValue == "correction" }
        #expect(!corrections.isEmpty)
        for record in corrections {
            let prompt = record["prompt"]?.stringValue ?? "", target = record["target"]?.stringValue ?? ""
            #expect(!target.contains(absent), "target keeps \(absent): \(target)")
            #expect(!(prompt + target).contains(absent == Correction.stepLabel ? "Incorrect Step" : absent))
            #expect(prompt.hasSuffix(promptLabel), "prompt ends \(prompt.suffix(30))")
        }
    }

    @Test func totalTakesAnExactSizeOrFails() throws {
        let f = try MixFixture()
        defer { f.cleanUp() }
        let (records, summary, _) = try f.run(["mode": .string("lema"), "ratio": .double(0.5), "total": .int(12)])
        #expect(records.count == 12 && summary["total"]?.intValue == 12)
        #expect((summary["cot"]?.intValue ?? 0) + (summary["correction"]?.intValue ?? 0) == 12)
        expectStageFailure(["total 100000", "lower total"]) {
            _ = try f.run(["mode": .string("cot-only"), "total": .int(100_000)])
        }
    }

    @Test func sameInputsSameBytes() throws {
        let f = try MixFixture()
        defer { f.cleanUp() }
        for mode in MixKind.modes {
            let params: [String: JSONValue] = ["mode": .string(mode), "ratio": .double(0.5)]
            #expect(try f.run(params).bytes == f.run(params).bytes, "\(mode)")
        }
    }

    @Test func badInputs() throws {
        let f = try MixFixture()
        defer { f.cleanUp() }
        let context = try FakeStageContext(stageName: "mixer")
        defer { context.cleanUp() }
        expectStageFailure(["mixer", "'cot'"]) { _ = try MixKind().run(context) }
        context.setInputs("cot", [LeMaFixture.input(f.mistakes.data, f.mistakes.dataOutcome, selected: "train")])
        expectStageFailure(["mixer", "corrections"]) { _ = try MixKind().run(context) }

        let lacking = try context.writeFile("c.jsonl", #"{"problem_id":"p","sample":0,"question":"q"}"# + "\n")
        context.setInputs("corrections", [.fake(stage: "correct", artifacts: ["corrections": lacking])])
        expectStageFailure(["p#0", "corrected_steps"]) { _ = try MixKind().run(context) }

        let broken = try context.writeFile("d.jsonl", "{}\n{\"a\":\n")
        context.setInputs("corrections", [.fake(stage: "correct", artifacts: ["corrections": broken])])
        expectStageFailure(["d.jsonl:2"]) { _ = try MixKind().run(context) }
    }

    @Test func validation() {
        #expect(MixKind().validate(["ratio": .double(-1)]).map(\.parameter) == ["ratio"])
        let all = JSONValue.array(["step", "explanation", "solution"].map { .string($0) })
        #expect(MixKind().validate(["drop": all]).map(\.parameter) == ["drop"])
        #expect(MixKind().validate(["drop": .array([.string("step"), .string("step"), .string("step")])]).isEmpty)
        #expect(MixKind().validate(["ratio": .double(0.5), "drop": .array([.string("step")])]).isEmpty)
    }
}
