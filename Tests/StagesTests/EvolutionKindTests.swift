import Foundation
import LemaCore
import Math
import StageAPI
import Testing
@testable import Stages

/// A dataset, the corrections `correct` makes of injected mistakes on it, and an `evolve` run over them.
private struct EvolutionFixture {
    let mistakes: MistakeFixture
    let corrections: FakeStageContext
    let correctionsOutcome: StageOutcome

    init() throws {
        mistakes = try MistakeFixture(datasetParams: LeMaFixture.datasetParams(count: 60, seed: 11))
        corrections = try mistakes.context()
        correctionsOutcome = try CorrectKind().run(corrections)
    }

    func cleanUp() { mistakes.data.cleanUp(); corrections.cleanUp() }

    /// Runs `evolve` with the dataset bound (as its train split, as a user would) and the corrections.
    func evolve(_ params: [String: JSONValue], seed: UInt64 = 5, withCorrections: Bool = true)
        throws -> (FakeStageContext, StageOutcome) {
        let context = try FakeStageContext(stageName: "evolve", params: params, seed: seed)
        context.setInputs("problems", [LeMaFixture.input(mistakes.data, mistakes.dataOutcome, selected: "train")])
        if withCorrections { context.setInputs("corrections", [LeMaFixture.input(corrections, correctionsOutcome)]) }
        return (context, try EvolveKind().run(context))
    }

    var correctedIDs: Set<String> {
        get throws {
            let url = try #require(corrections.output(correctionsOutcome, "corrections"))
            return Set(try LeMaFixture.objects(url).compactMap { $0["problem_id"]?.stringValue })
        }
    }
}

@Suite("evolve and vote stages")
struct EvolutionKindTests {
    @Test func correctionCentricSeedsAreTheCorrectedQuestionsAndNewQuestionsAreNew() throws {
        let f = try EvolutionFixture()
        defer { f.cleanUp() }
        let (context, outcome) = try f.evolve(["per_question": .int(2)])
        defer { context.cleanUp() }
        let seeds = try ProblemFiles.read(try #require(context.output(outcome, "seeds")))
        let made = try ProblemFiles.read(try #require(context.output(outcome, "train")))
        let corrected = try f.correctedIDs
        #expect(!corrected.isEmpty)
        #expect(Set(seeds.map(\.id)) == corrected)
        #expect(outcome.summary["questions"]?.intValue == made.count)
        #expect(made.count + (outcome.summary["unmade"]?.intValue ?? -1) == 2 * corrected.count)
        #expect(made.allSatisfy { $0.id.hasPrefix("evo-") && $0.split == .train })
        // No new question repeats the data set's (any split) or another new one.
        let all = try ["train", "dev", "test"].flatMap { try LeMaFixture.problems(f.mistakes.data, f.mistakes.dataOutcome, $0) }
        let existing = Set(all.map(\.normalizedQuestion))
        #expect(made.allSatisfy { !existing.contains($0.normalizedQuestion) })
        #expect(Set(made.map(\.normalizedQuestion)).count == made.count)
    }

    @Test func randomSeedsMatchTheCorrectedCountAndTheRunIsDeterministic() throws {
        let f = try EvolutionFixture()
        defer { f.cleanUp() }
        let (a, aOut) = try f.evolve(["seeds": .string("random")])
        let (b, bOut) = try f.evolve(["seeds": .string("random")])
        defer { a.cleanUp(); b.cleanUp() }
        #expect(aOut.summary["seeds"]?.intValue == (try f.correctedIDs).count)
        #expect(try LeMaFixture.bytes(a.output(aOut, "train")) == LeMaFixture.bytes(b.output(bOut, "train")))
        let (c, cOut) = try f.evolve(["seeds": .string("random"), "count": .int(5)], withCorrections: false)
        defer { c.cleanUp() }
        #expect(cOut.summary["seeds"]?.intValue == 5)
    }

    @Test func missingSeedsAndBadSettingsAreRefusedNamingTheParameter() {
        let kind = EvolveKind()
        #expect(kind.validate([:]).map(\.parameter) == ["corrections"])
        #expect(kind.validate(["seeds": .string("random")]).map(\.parameter) == ["count"])
        #expect(kind.validate(["corrections": .string("c"), "per_question": .int(0)]).map(\.parameter) == ["per_question"])
    }

    @Test func voteLabelsByMajorityDropsTheRestAndKeepsTheWinningPath() throws {
        let f = try EvolutionFixture()
        defer { f.cleanUp() }
        let (evolved, evolvedOut) = try f.evolve(["per_question": .int(1)])
        defer { evolved.cleanUp() }
        let questions = try ProblemFiles.read(try #require(evolved.output(evolvedOut, "train")))
        #expect(questions.count >= 4)
        // A teacher with three paths per question: the first question gets a 2–1 wrong majority, the second a tie
        // (plus a path without an answer), the third no answer at all, the rest the true answer unanimously.
        var lines: [String] = []
        for (i, q) in questions.enumerated() {
            let texts: [String]
            switch i {
            case 0: texts = ["The answer is 999.", "Step 1: x. The answer is 999.", "The answer is \(Int(q.answer))."]
            case 1: texts = ["The answer is 1.", "The answer is 2.", "no idea"]
            case 2: texts = ["no idea", "still none", "none"]
            default: texts = Array(repeating: "The answer is \(Int(q.answer)).", count: 3)
            }
            for (s, text) in texts.enumerated() {
                lines.append(SampleRecord(problem: q, sample: s, text: text).line.utf8String)
            }
        }
        let teacher = try FakeStageContext(stageName: "teacher", params: [:])
        defer { teacher.cleanUp() }
        try (lines.joined(separator: "\n") + "\n").write(to: teacher.outputDirectory.appendingPathComponent("samples.jsonl"),
                                                        atomically: true, encoding: .utf8)
        let teacherOut = StageOutcome(artifacts: ["samples": "samples.jsonl"], summary: [:])
        let context = try FakeStageContext(stageName: "vote", params: [:])
        defer { context.cleanUp() }
        context.setInputs("questions", [LeMaFixture.input(evolved, evolvedOut)])
        context.setInputs("samples", [LeMaFixture.input(teacher, teacherOut)])
        let outcome = try VoteKind().run(context)
        let labelled = try ProblemFiles.read(try #require(context.output(outcome, "train")))
        #expect(labelled.count == questions.count - 2)
        #expect(labelled.first?.id == questions[0].id && labelled.first?.answer == 999)
        #expect(labelled.first?.solution == "Step 1: x. The answer is 999." || labelled.first?.solution == "The answer is 999.")
        #expect(labelled.first?.solution == "The answer is 999.")  // the lowest sample index wins
        #expect(!labelled.contains { $0.id == questions[1].id || $0.id == questions[2].id })
        #expect(outcome.summary["no_majority"]?.intValue == 1 && outcome.summary["no_answers"]?.intValue == 1)
        #expect(outcome.summary["pseudo_gold_correct"]?.intValue == questions.count - 3)
    }
}
