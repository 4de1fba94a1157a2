import Foundation
import LemaCore
import Math
import StageAPI
import Testing
@testable import Stages

private func trained() throws -> TinyTraining.Trained { try TinyTraining.shared.get() }

private func sampleContext(_ model: TinyTraining.Trained, params: [String: JSONValue], threads: Int = 1,
                           ledger: InMemoryLedger = InMemoryLedger()) throws -> FakeStageContext {
    let context = try FakeStageContext(stageName: "sample", params: params, threads: threads, ledger: ledger)
    context.setInputs("model", [model.modelInput])
    context.setInputs("questions", [model.split("train")])
    return context
}

private func evaluateContext(_ model: TinyTraining.Trained, params: [String: JSONValue], dev: Bool,
                             threads: Int = 1, ledger: InMemoryLedger = InMemoryLedger()) throws -> FakeStageContext {
    let context = try FakeStageContext(stageName: "evaluate", params: params, threads: threads, ledger: ledger)
    context.setInputs("model", [model.modelInput])
    context.setInputs("questions", [model.split("test")])
    if dev { context.setInputs("dev", [model.split("dev")]) }
    return context
}

private let sampleParams: [String: JSONValue] = [
    "k": .int(3), "limit": .int(4), "batch": .int(5), "max_tokens": .int(24), "temperature": .double(1.0),
    "templates": .string("compact"),
]
private let evaluateParams: [String: JSONValue] = ["max_tokens": .int(24), "batch": .int(3), "templates": .string("compact")]

@Suite("sample and evaluate stages")
struct LeMaModelStageTests {
    @Test func samplesAreWellFormedWithKPerQuestion() throws {
        let model = try trained()
        let context = try sampleContext(model, params: sampleParams)
        defer { context.cleanUp() }
        let outcome = try SampleKind().run(context)
        let records = try LeMaFixture.objects(try #require(context.output(outcome, "samples")))
        let questions = Array(try LeMaFixture.problems(model.data, model.dataOutcome, "train").prefix(4))
        #expect(records.count == 12)
        #expect(records.map { $0["problem_id"]?.stringValue ?? "" } == questions.flatMap { Array(repeating: $0.id, count: 3) })
        #expect(records.map { $0["sample"]?.intValue ?? -1 } == Array(repeating: [0, 1, 2], count: 4).flatMap { $0 })
        for (i, record) in records.enumerated() {
            let problem = questions[i / 3]
            #expect(Set(record.keys) == ["problem_id", "sample", "question", "gold", "text", "answer", "correct", "difficulty"])
            #expect(record["question"]?.stringValue == problem.question)
            #expect(record["gold"]?.doubleValue == problem.answer)
            #expect(record["difficulty"]?.intValue == problem.difficulty)
            let text = try #require(record["text"]?.stringValue)
            let extracted = AnswerExtraction.extract(text).value
            #expect(record["answer"]?.doubleValue == extracted)
            #expect(record["answer"]?.isNull == (extracted == nil))
            #expect(record["correct"]?.boolValue == (extracted == problem.answer))
        }
        let correct = records.filter { $0["correct"]?.boolValue == true }.count
        #expect(outcome.summary["sampled"]?.intValue == 12 && outcome.summary["questions"]?.intValue == 4)
        #expect(outcome.summary["correct"]?.intValue == correct && outcome.summary["wrong"]?.intValue == 12 - correct)
        #expect(outcome.summary["no_answer"]?.intValue == records.filter { $0["answer"]?.isNull == true }.count)
        // Temperature 1 with distinct seeds: the k paths of a question are not all one text.
        let texts = Set(records.compactMap { $0["text"]?.stringValue })
        #expect(texts.count > 4)
    }

    @Test func greedySamplesRepeatAndSamplingResumesByteIdentical() throws {
        let model = try trained()
        var greedyParams = sampleParams
        greedyParams["temperature"] = .double(0)
        let greedy = try sampleContext(model, params: greedyParams)
        defer { greedy.cleanUp() }
        let greedyRecords = try LeMaFixture.objects(try #require(greedy.output(try SampleKind().run(greedy), "samples")))
        for q in stride(from: 0, to: greedyRecords.count, by: 3) {
            #expect(Set(greedyRecords[q..<q + 3].compactMap { $0["text"]?.stringValue }).count == 1)
        }

        let reference = try sampleContext(model, params: sampleParams)
        defer { reference.cleanUp() }
        let expected = try LeMaFixture.bytes(reference.output(try SampleKind().run(reference), "samples"))

        let base = try sampleContext(model, params: sampleParams)
        defer { base.cleanUp() }
        let ledger = InMemoryLedger()
        #expect(throws: StageCancelled.self) {
            _ = try SampleKind().run(ScriptedContext(base: base, ledger: ledger, cancelAtProgress: 5))
        }
        let survived = try ledger.survivingCrash()
        #expect(try survived.finishedItems().count == 5)
        let outcome = try SampleKind().run(ScriptedContext(base: base, ledger: survived, threads: 2))
        #expect(try LeMaFixture.bytes(base.output(outcome, "samples")) == expected)
    }

    /// A crash keeps an arbitrary subset of items (whatever the engine had committed): partly recorded chunks.
    @Test func resumeFromAnArbitraryLedgerSubsetIsByteIdentical() throws {
        let model = try trained()
        for (kind, make, artifact) in [
            (SampleKind() as any StageKind, { (l: InMemoryLedger) in try sampleContext(model, params: sampleParams, ledger: l) },
             "samples"),
            (EvaluateKind() as any StageKind,
             { (l: InMemoryLedger) in try evaluateContext(model, params: evaluateParams, dev: true, ledger: l) }, "predictions"),
        ] {
            let reference = try make(InMemoryLedger())
            defer { reference.cleanUp() }
            let expected = try LeMaFixture.bytes(reference.output(try kind.run(reference), artifact))
            let all = try #require(reference.ledger as? InMemoryLedger).allItems
            let kept = Dictionary(uniqueKeysWithValues: all.keys.sorted().enumerated()
                .filter { $0.offset % 3 == 1 }.map { ($0.element, all[$0.element] ?? Data()) })
            #expect(!kept.isEmpty && kept.count < all.count)
            let resumed = try make(InMemoryLedger(finished: kept))
            defer { resumed.cleanUp() }
            #expect(try LeMaFixture.bytes(resumed.output(try kind.run(resumed), artifact)) == expected, "\(kind.name)")
        }
    }

    @Test func evaluateIsDeterministicWithSummaryMetrics() throws {
        let model = try trained()
        let test = try LeMaFixture.problems(model.data, model.dataOutcome, "test")
        var outputs: [Data] = []
        for threads in [1, 2] {
            let context = try evaluateContext(model, params: evaluateParams, dev: false, threads: threads)
            defer { context.cleanUp() }
            let outcome = try EvaluateKind().run(context)
            let url = try #require(context.output(outcome, "predictions"))
            outputs.append(try Data(contentsOf: url))
            let records = try LeMaFixture.objects(url)
            #expect(records.map { $0["problem_id"]?.stringValue ?? "" } == test.map(\.id))
            for key in ["problem_id", "text", "answer", "gold", "correct", "difficulty"] {
                #expect(records.allSatisfy { $0[key] != nil }, "predictions lack \(key)")
            }
            let s = outcome.summary
            let n = test.count, correct = records.filter { $0["correct"]?.boolValue == true }.count
            #expect(s["n"]?.intValue == n && s["correct"]?.intValue == correct)
            #expect(s["accuracy"]?.doubleValue == Double(correct) / Double(n))
            let interval = WilsonInterval(successes: correct, total: n)
            #expect(s["ci_low"]?.doubleValue == interval.lower && s["ci_high"]?.doubleValue == interval.upper)
            #expect(s["no_answer"]?.intValue == records.filter { $0["answer"]?.isNull == true }.count)
            #expect(s["split"]?.stringValue == "test" && s["selected"]?.stringValue == "model")
            let byDifficulty = try #require(s["by_difficulty"]?.objectValue)
            #expect(Set(byDifficulty.keys) == Set(test.map { String($0.difficulty) }))
            for (d, acc) in byDifficulty {
                let group = records.filter { String($0["difficulty"]?.intValue ?? -1) == d }
                let right = group.filter { $0["correct"]?.boolValue == true }.count
                #expect(acc.doubleValue == Double(right) / Double(group.count))
            }
            #expect(outcome.artifacts["dev_selection"] == nil)
        }
        #expect(outputs[0] == outputs[1])
    }

    @Test func devSelectionScoresEveryCheckpoint() throws {
        let model = try trained()
        let context = try evaluateContext(model, params: evaluateParams, dev: true)
        defer { context.cleanUp() }
        let outcome = try EvaluateKind().run(context)
        let selection = try LeMaFixture.objects(try #require(context.output(outcome, "dev_selection")))
        #expect(selection.compactMap { $0["artifact"]?.stringValue } == ["ckpt_00000010", "ckpt_00000020", "model"])
        let accuracies = selection.compactMap { $0["dev_accuracy"]?.doubleValue }
        let best = try #require(accuracies.max())
        let chosen = try #require(selection.last { $0["dev_accuracy"]?.doubleValue == best }?["artifact"]?.stringValue)
        #expect(outcome.summary["selected"]?.stringValue == chosen)
        #expect(outcome.summary["dev_accuracy"]?.doubleValue == best)
        #expect(outcome.summary["n"]?.intValue == (try LeMaFixture.problems(model.data, model.dataOutcome, "test")).count)
    }

    @Test func evaluateUsesTheNamedCheckpointWithoutDev() throws {
        let model = try trained()
        var input = model.modelInput
        input.selected = "ckpt_00000010"
        let context = try evaluateContext(model, params: evaluateParams, dev: false)
        defer { context.cleanUp() }
        context.setInputs("model", [input])
        let outcome = try EvaluateKind().run(context)
        #expect(outcome.summary["selected"]?.stringValue == "ckpt_00000010")

        input.selected = "ckpt_00000099"
        context.setInputs("model", [input])
        expectStageFailure(["evaluate", "no 'ckpt_00000099'", "ckpt_00000010"]) { _ = try EvaluateKind().run(context) }
    }

    @Test func evaluateResumesByteIdentical() throws {
        let model = try trained()
        let reference = try evaluateContext(model, params: evaluateParams, dev: true)
        defer { reference.cleanUp() }
        let referenceOutcome = try EvaluateKind().run(reference)
        let base = try evaluateContext(model, params: evaluateParams, dev: true)
        defer { base.cleanUp() }
        let ledger = InMemoryLedger()
        #expect(throws: StageCancelled.self) {
            _ = try EvaluateKind().run(ScriptedContext(base: base, ledger: ledger, cancelAtProgress: 3))
        }
        let survived = try ledger.survivingCrash()
        #expect(try !survived.finishedItems().isEmpty)
        let outcome = try EvaluateKind().run(ScriptedContext(base: base, ledger: survived, threads: 2))
        for artifact in ["predictions", "dev_selection"] {
            #expect(try LeMaFixture.bytes(base.output(outcome, artifact))
                    == LeMaFixture.bytes(reference.output(referenceOutcome, artifact)), "\(artifact)")
        }
        #expect(outcome.summary == referenceOutcome.summary)
    }

    @Test func modelStagesFailCleanlyOnBadInputs() throws {
        let model = try trained()
        let unbound = try FakeStageContext(stageName: "judge")
        defer { unbound.cleanUp() }
        expectStageFailure(["judge", "'questions'"]) { _ = try EvaluateKind().run(unbound) }
        expectStageFailure(["judge", "'questions'"]) { _ = try SampleKind().run(unbound) }

        unbound.setInputs("questions", [model.split("test")])
        expectStageFailure(["judge", "neither `model` nor `endpoint`"]) { _ = try EvaluateKind().run(unbound) }
        expectStageFailure(["judge", "neither `model` nor `endpoint`"]) { _ = try SampleKind().run(unbound) }

        unbound.setInputs("model", [model.modelInput])
        unbound.params = ["k": .int(-1)]
        expectStageFailure(["judge", "k must be at least 1"]) { _ = try SampleKind().run(unbound) }
        unbound.params = [:]

        let garbage = try unbound.writeFile("model.safetensors", "not a safetensors file")
        unbound.setInputs("model", [.fake(stage: "train", artifacts: ["model": garbage])])
        unbound.setInputs("questions", [model.split("test")])
        expectStageFailure(["cannot load model", "model.safetensors"]) { _ = try EvaluateKind().run(unbound) }
        expectStageFailure(["cannot load model", "model.safetensors"]) { _ = try SampleKind().run(unbound) }

        unbound.setInputs("model", [model.modelInput])
        let questions = try unbound.writeFile("q.jsonl", #"{"id": "x"}"# + "\n")
        unbound.setInputs("questions", [.fake(stage: "data", artifacts: ["test": questions])])
        expectStageFailure(["q.jsonl:1", "not a problem record"]) { _ = try EvaluateKind().run(unbound) }
    }

    @Test func zeroMaxTokensGivesEmptyAnswersInsteadOfFailing() throws {
        let model = try trained()
        var params = evaluateParams
        params["max_tokens"] = .int(0)
        let context = try evaluateContext(model, params: params, dev: false)
        defer { context.cleanUp() }
        let outcome = try EvaluateKind().run(context)
        #expect(outcome.summary["no_answer"] == outcome.summary["n"])
        #expect(outcome.summary["accuracy"]?.doubleValue == 0)
    }

    @Test func sampleValidation() {
        let model: JSONValue = .string("base")
        #expect(SampleKind().validate(["model": model, "k": .int(0), "temperature": .double(-1), "top_p": .double(0)])
            .map(\.parameter) == ["k", "temperature", "top_p"])
        #expect(SampleKind().validate(["model": model, "k": .int(2), "top_p": .double(0.9)]).isEmpty)
        // `model` and `endpoint` are alternatives: exactly one.
        let endpoint: JSONValue = .object(["base_url": .string("http://127.0.0.1:8000/v1"), "model": .string("m")])
        #expect(SampleKind().validate(["endpoint": endpoint]).isEmpty)
        #expect(SampleKind().validate(["model": model, "endpoint": endpoint]).map(\.message)
            == ["give either `model` (in-process) or `endpoint`, not both"])
        #expect(SampleKind().validate([:]).map(\.message)
            == ["no model: bind a train stage to `model`, or give an `endpoint`"])
        #expect(SampleKind().validate(["endpoint": .object(["model": .string("m")])]).map(\.parameter) == ["endpoint"])
    }
}
