import Foundation
import LemaCore
import Math
import StageAPI
import Testing
@testable import Stages

/// Mistakes made on purpose by `MistakeInjector` on generated train problems, written as a `samples.jsonl` the
/// way `sample`/`filter` write it, plus one correct path (not a mistake).
struct MistakeFixture {
    let data: FakeStageContext
    let dataOutcome: StageOutcome
    let samplesFile: URL
    /// Injected mistake per ledger key (`problem_id#sample`).
    let injected: [String: InjectedMistake]
    let problems: [String: Problem]
    let lineCount: Int

    init(datasetParams: [String: JSONValue] = LeMaFixture.datasetParams(count: 40, seed: 11)) throws {
        (data, dataOutcome) = try LeMaFixture.dataset(datasetParams)
        let train = try LeMaFixture.problems(data, dataOutcome, "train")
        problems = Dictionary(uniqueKeysWithValues: train.map { ($0.id, $0) })
        var rng = SeededRNG(seed: 5)
        var lines: [String] = []
        var injected: [String: InjectedMistake] = [:]
        let kinds: [MistakeKind] = [.arithmeticSlip, .wrongOperand, .wrongOperation, .missingStep, .extraStep,
                                    .wrongFinalAnswer]
        for (i, problem) in train.enumerated() {
            guard let mistake = MistakeInjector().inject(kinds[i % kinds.count], into: problem, rng: &rng) else { continue }
            let key = "\(problem.id)#\(i % 3)"
            injected[key] = mistake
            lines.append(SampleRecord(problem: problem, sample: i % 3, text: mistake.solution.text).line
                .utf8String)
        }
        // A correct path slipped in: the oracle finds no mistake in it.
        if let first = train.first {
            lines.append(SampleRecord(problem: first, sample: 9, text: first.solution).line.utf8String)
        }
        self.injected = injected
        lineCount = lines.count
        samplesFile = try data.writeFile("mistakes.jsonl", lines.joined(separator: "\n") + "\n")
    }

    func context(params: [String: JSONValue] = [:], threads: Int = 1,
                 ledger: InMemoryLedger = InMemoryLedger()) throws -> FakeStageContext {
        let context = try FakeStageContext(stageName: "correct", params: params, threads: threads, ledger: ledger)
        context.setInputs("input", [.fake(stage: "filter", artifacts: ["samples": samplesFile])])
        context.setInputs("problems", [LeMaFixture.input(data, dataOutcome, selected: "train")])
        return context
    }
}

extension Data {
    var utf8String: String { String(decoding: self, as: UTF8.self) }
}

@Suite("correct stage")
struct LeMaCorrectTests {
    @Test func everyKeptCorrectionReachesGoldWithTheRecordFields() throws {
        let fixture = try MistakeFixture()
        defer { fixture.data.cleanUp() }
        #expect(fixture.injected.count >= 12, "too few injected mistakes to test with")
        let context = try fixture.context()
        defer { context.cleanUp() }
        let outcome = try CorrectKind().run(context)
        let records = try LeMaFixture.objects(try #require(context.output(outcome, "corrections")))

        #expect(outcome.summary["mistakes"]?.intValue == fixture.lineCount)
        #expect(outcome.summary["not_a_mistake"]?.intValue == 1)
        #expect(outcome.summary["rejected"]?.intValue == 0)
        #expect(outcome.summary["unparseable"]?.intValue == 0)
        #expect(outcome.summary["kept"]?.intValue == fixture.injected.count)
        #expect(records.count == fixture.injected.count)

        let required = ["problem_id", "sample", "question", "original", "incorrect_step", "explanation", "corrected",
                        "corrected_answer", "gold", "corrector", "error_kind"]
        for record in records {
            let id = try #require(record["problem_id"]?.stringValue)
            let key = "\(id)#\(record["sample"]?.intValue ?? -1)"
            let mistake = try #require(fixture.injected[key], "unexpected record \(key)")
            let problem = try #require(fixture.problems[id])
            for field in required { #expect(record[field] != nil, "\(key) lacks \(field)") }
            #expect(record["gold"]?.doubleValue == problem.answer)
            #expect(record["corrected_answer"]?.doubleValue == problem.answer)
            #expect(AnswerExtraction.extract(record["corrected"]?.stringValue ?? "").value == problem.answer)
            #expect(record["original"]?.stringValue == mistake.solution.text)
            #expect(record["question"]?.stringValue == problem.question)
            #expect(record["incorrect_step"]?.intValue == mistake.step, "\(key) \(mistake.kind)")
            #expect(record["error_kind"]?.stringValue == mistake.kind.rawValue)
            #expect(record["corrector"]?.stringValue == "oracle")
            #expect(record["explanation"]?.stringValue?.isEmpty == false)
            // The corrected solution keeps the original's steps before the incorrect one.
            let corrected = Solution(parsing: record["corrected"]?.stringValue ?? "")
            #expect(Array(corrected.steps.prefix(mistake.step - 1)) == Array(mistake.solution.steps.prefix(mistake.step - 1)))
        }
    }

    @Test func lowerQualityMarksTheCorrector() throws {
        let fixture = try MistakeFixture()
        defer { fixture.data.cleanUp() }
        let context = try fixture.context(params: ["quality": .double(0)])
        defer { context.cleanUp() }
        let outcome = try CorrectKind().run(context)
        let records = try LeMaFixture.objects(try #require(context.output(outcome, "corrections")))
        #expect(!records.isEmpty)
        #expect(records.allSatisfy { $0["corrector"]?.stringValue == "oracle(q=0.0)" })
        #expect(records.allSatisfy { $0["degradation"]?.stringValue != "none" })
        #expect(records.allSatisfy { $0["corrected_answer"]?.doubleValue == $0["gold"]?.doubleValue })
    }

    @Test func oneAndTwoThreadsWriteTheSameBytes() throws {
        let fixture = try MistakeFixture()
        defer { fixture.data.cleanUp() }
        var outputs: [Data] = []
        for threads in [1, 2] {
            let context = try fixture.context(params: ["chunk": .int(3), "quality": .double(0.5)], threads: threads)
            defer { context.cleanUp() }
            outputs.append(try LeMaFixture.bytes(context.output(try CorrectKind().run(context), "corrections")))
        }
        #expect(outputs[0] == outputs[1])
        #expect(!outputs[0].isEmpty)
    }

    @Test func cancelledRunResumesToIdenticalBytes() throws {
        let fixture = try MistakeFixture()
        defer { fixture.data.cleanUp() }
        let params: [String: JSONValue] = ["chunk": .int(2), "quality": .double(0.5)]
        let reference = try fixture.context(params: params)
        defer { reference.cleanUp() }
        let expected = try LeMaFixture.bytes(reference.output(try CorrectKind().run(reference), "corrections"))

        let base = try fixture.context(params: params)
        defer { base.cleanUp() }
        let ledger = InMemoryLedger()
        let first = ScriptedContext(base: base, ledger: ledger, cancelAtProgress: 4)
        #expect(throws: StageCancelled.self) { _ = try CorrectKind().run(first) }
        let survived = try ledger.survivingCrash()
        let done = try survived.finishedItems().count
        #expect(done >= 4 && done < fixture.lineCount, "\(done) items recorded")

        let second = ScriptedContext(base: base, ledger: survived, threads: 2)
        let outcome = try CorrectKind().run(second)
        #expect(try LeMaFixture.bytes(base.output(outcome, "corrections")) == expected)
        #expect(try survived.finishedItems().count == fixture.lineCount)
    }

    @Test func recordedItemsAreNotRecomputed() throws {
        let fixture = try MistakeFixture()
        defer { fixture.data.cleanUp() }
        let full = try fixture.context(params: ["chunk": .int(1)])
        defer { full.cleanUp() }
        _ = try CorrectKind().run(full)
        guard let ledger = full.ledger as? InMemoryLedger else { Issue.record("unexpected ledger"); return }
        var items = ledger.allItems
        // Tamper with one recorded item: a resumed run must keep the recorded payload, not redo the work.
        let key = try #require(items.keys.sorted().first { items[$0].map { !$0.utf8String.contains("rejected") } ?? false })
        let payload = try #require(items[key])
        var record = try #require(try JSONValue.parse(payload).objectValue)
        record["explanation"] = .string("RECORDED EARLIER")
        items[key] = RecordLine.encode(record)
        let resumed = try fixture.context(params: ["chunk": .int(1)], ledger: InMemoryLedger(finished: items))
        defer { resumed.cleanUp() }
        let outcome = try CorrectKind().run(resumed)
        #expect(resumed.outputText(outcome, "corrections").contains("RECORDED EARLIER"))
        #expect(resumed.progressReports.first?.done == fixture.lineCount)
    }

    @Test func mistakeOfAnUnknownProblemNamesIt() throws {
        let fixture = try MistakeFixture()
        defer { fixture.data.cleanUp() }
        let context = try fixture.context()
        defer { context.cleanUp() }
        context.setInputs("problems", [LeMaFixture.input(fixture.data, fixture.dataOutcome, selected: "test")])
        expectStageFailure(["problem '", "problems"]) { _ = try CorrectKind().run(context) }
    }

    @Test func missingBindingsAndMalformedLines() throws {
        let fixture = try MistakeFixture()
        defer { fixture.data.cleanUp() }
        let unbound = try FakeStageContext(stageName: "fix")
        defer { unbound.cleanUp() }
        expectStageFailure(["fix", "input"]) { _ = try CorrectKind().run(unbound) }

        let context = try fixture.context()
        defer { context.cleanUp() }
        let bad = try context.writeFile("bad.jsonl", "[1, 2]\n")
        context.setInputs("input", [.fake(stage: "filter", artifacts: ["samples": bad])])
        expectStageFailure(["bad.jsonl:1", "JSON object"]) { _ = try CorrectKind().run(context) }

        let notSamples = try context.writeFile("mix.jsonl", #"{"prompt":"a","target":"b"}"# + "\n")
        context.setInputs("input", [.fake(stage: "mix", artifacts: ["train": notSamples])])
        expectStageFailure(["mix.jsonl:1", "not a sample record"]) { _ = try CorrectKind().run(context) }
    }

    @Test func pathsWithoutStepsAreCountedAndCorrectedFromStepOne() throws {
        let fixture = try MistakeFixture()
        defer { fixture.data.cleanUp() }
        let problem = try #require(fixture.problems.values.min { $0.id < $1.id })
        let line = SampleRecord(problem: problem, sample: 0, text: "I think it is 5.").line.utf8String
        let context = try fixture.context()
        defer { context.cleanUp() }
        let file = try context.writeFile("nosteps.jsonl", line + "\n")
        context.setInputs("input", [.fake(stage: "filter", artifacts: ["samples": file])])
        let outcome = try CorrectKind().run(context)
        #expect(outcome.summary["mistakes"]?.intValue == 1 && outcome.summary["unparseable"]?.intValue == 1)
        let records = try LeMaFixture.objects(try #require(context.output(outcome, "corrections")))
        #expect(records.count == outcome.summary["kept"]?.intValue)
        for record in records {
            #expect(record["incorrect_step"]?.intValue == 1)
            #expect(record["corrected_answer"]?.doubleValue == problem.answer)
        }
    }

    @Test func qualityOutOfRangeIsAValidationProblem() {
        #expect(CorrectKind().validate(["quality": .double(1.5)]).map(\.parameter) == ["quality"])
        #expect(CorrectKind().validate(["quality": .double(0.3)]).isEmpty)
    }
}
