import Foundation
import LemaCore
import Math
import StageAPI
import Testing
import TinyGPT
@testable import Stages

/// A dataset shared by the training tests (40 small problems).
private func trainingData() throws -> (FakeStageContext, StageOutcome) {
    try LeMaFixture.dataset(LeMaFixture.datasetParams(count: 40, seed: 21))
}

private func losses(_ text: String) throws -> [(step: Int, loss: Double)] {
    try JSONLines.split(Data(text.utf8), file: URL(fileURLWithPath: "loss.jsonl")).map { line in
        let o = try line.object()
        return (try #require(o["step"]?.intValue), try #require(o["loss"]?.doubleValue))
    }
}

@Suite("train stage")
struct LeMaTrainTests {
    @Test func tinyModelTrainsAndLossDecreases() throws {
        let (data, dataOutcome) = try trainingData()
        defer { data.cleanUp() }
        let context = try TinyTraining.context(data: data, dataOutcome: dataOutcome,
                                               params: TinyTraining.params(steps: 30, checkpointEvery: 10))
        defer { context.cleanUp() }
        let outcome = try TrainKind().run(context)
        let curve = try losses(context.outputText(outcome, "loss"))
        #expect(curve.map(\.step) == Array(0..<30))
        let first = curve.prefix(5).map(\.loss).reduce(0, +) / 5, last = curve.suffix(5).map(\.loss).reduce(0, +) / 5
        #expect(last < first - 0.5, "loss \(first) → \(last)")
        #expect(Set(outcome.artifacts.keys) == ["model", "loss", "ckpt_00000010", "ckpt_00000020", "ckpt_00000030"])
        #expect(outcome.summary["steps"]?.intValue == 30)
        #expect(outcome.summary["tokens"]?.intValue == 30 * 4 * 96)
        #expect(outcome.summary["final_loss"]?.doubleValue == curve.last?.loss)
        #expect(outcome.summary["examples"]?.intValue == dataOutcome.summary["train"]?.intValue)
        #expect(context.metrics.filter { $0.name == "loss" }.map(\.step) == Array(0..<30))
        // The final model is loadable with the training shape and a vocabulary covering printable ASCII.
        let loaded = try ModelFiles.load(try #require(context.output(outcome, "model")))
        #expect(loaded.model.config.dModel == 16 && loaded.model.config.layers == 1 && loaded.step == 30)
        #expect(loaded.tokenizer.decode(loaded.tokenizer.encode("Step 1: 3 + 4 = 7.")) == "Step 1: 3 + 4 = 7.")
    }

    @Test func packedLayoutWithAConstantScheduleTrains() throws {
        let (data, dataOutcome) = try trainingData()
        defer { data.cleanUp() }
        let context = try TinyTraining.context(data: data, dataOutcome: dataOutcome, params: TinyTraining.params(
            steps: 20, checkpointEvery: 20, extra: ["layout": .string("pack"), "schedule": .string("constant")]))
        defer { context.cleanUp() }
        let outcome = try TrainKind().run(context)
        let lines = try JSONLines.split(Data(context.outputText(outcome, "loss").utf8), file: URL(fileURLWithPath: "loss"))
            .map { try $0.object() }
        #expect(lines.count == 20)
        #expect(lines.allSatisfy { $0["lr"]?.doubleValue.map { abs($0 - 0.01) < 1e-6 } == true })
        let curve = lines.compactMap { $0["loss"]?.doubleValue }
        #expect(curve.suffix(5).reduce(0, +) < curve.prefix(5).reduce(0, +))
    }

    @Test func epochsSetTheStepCount() throws {
        let (data, dataOutcome) = try trainingData()
        defer { data.cleanUp() }
        let context = try TinyTraining.context(data: data, dataOutcome: dataOutcome, params: TinyTraining.params(
            steps: 1000, checkpointEvery: 100, extra: ["epochs": .double(0.5)]))
        defer { context.cleanUp() }
        let outcome = try TrainKind().run(context)
        let examples = try #require(dataOutcome.summary["train"]?.intValue)
        #expect(outcome.summary["steps"]?.intValue == Int((0.5 * Double(examples) / 4).rounded(.up)))
    }

    /// An uninterrupted run's outputs, to compare resumed runs with.
    private func reference(_ params: [String: JSONValue]) throws -> (model: Data, loss: Data, artifacts: Set<String>) {
        let (data, dataOutcome) = try trainingData()
        defer { data.cleanUp() }
        let context = try TinyTraining.context(data: data, dataOutcome: dataOutcome, params: params)
        defer { context.cleanUp() }
        let outcome = try TrainKind().run(context)
        return (try LeMaFixture.bytes(context.output(outcome, "model")), try LeMaFixture.bytes(context.output(outcome, "loss")),
                Set(outcome.artifacts.keys))
    }

    @Test func cancelledRunResumesBitIdentical() throws {
        let params = TinyTraining.params(steps: 12, checkpointEvery: 5)
        let expected = try reference(params)
        let (data, dataOutcome) = try trainingData()
        defer { data.cleanUp() }
        let base = try TinyTraining.context(data: data, dataOutcome: dataOutcome, params: params)
        defer { base.cleanUp() }
        let ledger = InMemoryLedger()
        #expect(throws: StageCancelled.self) {
            _ = try TrainKind().run(ScriptedContext(base: base, ledger: ledger, cancelAtProgress: 7))
        }
        #expect(try base.latestCheckpoint()?.step == 7)
        let survived = try ledger.survivingCrash()
        #expect(try survived.finishedItems().count == 7)
        let outcome = try TrainKind().run(ScriptedContext(base: base, ledger: survived))
        #expect(base.logs.contains("resumed from checkpoint at step 7"))
        #expect(try LeMaFixture.bytes(base.output(outcome, "model")) == expected.model)
        #expect(try LeMaFixture.bytes(base.output(outcome, "loss")) == expected.loss)
        // The checkpoint written on cancel is not a dev-selection candidate an uninterrupted run lacks.
        #expect(Set(outcome.artifacts.keys) == expected.artifacts)
    }

    @Test func crashAfterACheckpointFileResumesBitIdentical() throws {
        let params = TinyTraining.params(steps: 12, checkpointEvery: 4)
        let expected = try reference(params)
        let (data, dataOutcome) = try trainingData()
        defer { data.cleanUp() }
        let base = try TinyTraining.context(data: data, dataOutcome: dataOutcome, params: params)
        defer { base.cleanUp() }
        let ledger = InMemoryLedger()
        // The second checkpoint (step 8) is written and the losses flushed, then the process "dies".
        expectStageFailure(["simulated crash"]) {
            _ = try TrainKind().run(ScriptedContext(base: base, ledger: ledger, failCheckpointAt: 2))
        }
        #expect(try base.latestCheckpoint()?.step == 4)
        let survived = try ledger.survivingCrash()
        #expect(try survived.finishedItems().count == 8)
        let outcome = try TrainKind().run(ScriptedContext(base: base, ledger: survived))
        #expect(try LeMaFixture.bytes(base.output(outcome, "model")) == expected.model)
        #expect(try LeMaFixture.bytes(base.output(outcome, "loss")) == expected.loss)
        #expect(Set(outcome.artifacts.keys) == expected.artifacts)
    }

    @Test func twoThreadsTrainTheSameWeights() throws {
        let params = TinyTraining.params(steps: 4, checkpointEvery: 4)
        var models: [Data] = []
        let (data, dataOutcome) = try trainingData()
        defer { data.cleanUp() }
        for threads in [1, 2] {
            let context = try TinyTraining.context(data: data, dataOutcome: dataOutcome, params: params, threads: threads)
            defer { context.cleanUp() }
            models.append(try LeMaFixture.bytes(context.output(try TrainKind().run(context), "model")))
        }
        #expect(models[0] == models[1])
    }

    @Test func initKeepsTheBaseModelsShapeAndTokenizer() throws {
        let (data, dataOutcome) = try trainingData()
        defer { data.cleanUp() }
        let base = try TinyTraining.context(data: data, dataOutcome: dataOutcome, params: TinyTraining.params(
            steps: 3, checkpointEvery: 3, extra: ["tokenizer": .string("bpe"), "bpe_merges": .int(40)]))
        defer { base.cleanUp() }
        let baseOutcome = try TrainKind().run(base)
        let baseModel = try ModelFiles.load(try #require(base.output(baseOutcome, "model")))

        // As the engine passes them: shape keys at their defaults (layers 2, d_model 128, …) mean "as the base".
        let tuned = try TinyTraining.context(data: data, dataOutcome: dataOutcome, params: TinyTraining.withDefaults(
            TrainKind(), ["steps": .int(2), "checkpoint_every": .int(2), "batch_size": .int(2),
                          "templates": .string("compact")]))
        defer { tuned.cleanUp() }
        tuned.setInputs("init", [LeMaFixture.input(base, baseOutcome)])
        let outcome = try TrainKind().run(tuned)
        let model = try ModelFiles.load(try #require(tuned.output(outcome, "model")))
        #expect(model.model.config == baseModel.model.config)
        #expect(try model.tokenizer.jsonString() == baseModel.tokenizer.jsonString())
        #expect(outcome.summary["vocabulary"] == baseOutcome.summary["vocabulary"])
        // It started from the base weights, not from scratch: two warm-up steps (lr ≤ 1e-3 · 2/50) barely move
        // them, while a fresh initialisation or the base's own 3 steps at lr 0.01 differ by far more.
        let drift = zip(model.model.parameters, baseModel.model.parameters).map { abs($0 - $1) }.max() ?? .infinity
        #expect(drift < 0.005, "max |Δw| = \(drift)")
    }

    @Test func initWithAMismatchedShapeSaysWhich() throws {
        let (data, dataOutcome) = try trainingData()
        defer { data.cleanUp() }
        let base = try TinyTraining.context(data: data, dataOutcome: dataOutcome,
                                            params: TinyTraining.params(steps: 1, checkpointEvery: 1))
        defer { base.cleanUp() }
        let baseOutcome = try TrainKind().run(base)
        let tuned = try TinyTraining.context(data: data, dataOutcome: dataOutcome, params: TinyTraining.withDefaults(
            TrainKind(), TinyTraining.params(steps: 1, checkpointEvery: 1, extra: ["d_model": .int(32)])))
        defer { tuned.cleanUp() }
        tuned.setInputs("init", [LeMaFixture.input(base, baseOutcome)])
        expectStageFailure(["train", "d_model 32 differs from the init model's 16", "set it to 16"]) {
            _ = try TrainKind().run(tuned)
        }
    }

    @Test func badTrainingInputs() throws {
        let context = try FakeStageContext(stageName: "trainer", params: TinyTraining.params(steps: 1, checkpointEvery: 1))
        defer { context.cleanUp() }
        expectStageFailure(["trainer", "training data is empty"]) { _ = try TrainKind().run(context) }

        let odd = try context.writeFile("odd.jsonl", #"{"prompt":"a","target":"b"}"# + "\n" + #"{"text":"c"}"# + "\n")
        context.setInputs("data", [.fake(stage: "mix", artifacts: ["train": odd])])
        expectStageFailure(["odd.jsonl:2", "prompt/target"]) { _ = try TrainKind().run(context) }

        let broken = try context.writeFile("broken.jsonl", "{\"prompt\": \"a\", \n")
        context.setInputs("data", [.fake(stage: "mix", artifacts: ["train": broken])])
        expectStageFailure(["broken.jsonl:1"]) { _ = try TrainKind().run(context) }

        let fine = try context.writeFile("fine.jsonl", #"{"prompt":"a","target":"b"}"# + "\n")
        context.setInputs("data", [.fake(stage: "mix", artifacts: ["train": fine])])
        context.params["checkpoint_every"] = .int(0)
        expectStageFailure(["checkpoint_every must be at least 1"]) { _ = try TrainKind().run(context) }
        context.params["checkpoint_every"] = .int(1)
        context.params["heads"] = .int(3)
        expectStageFailure(["trainer"]) { _ = try TrainKind().run(context) }
    }

    @Test func validationNamesTheParameter() {
        #expect(TrainKind().validate(["d_model": .int(30), "heads": .int(4)]).map(\.parameter) == ["heads"])
        #expect(TrainKind().validate(["steps": .int(0)]).map(\.parameter) == ["steps"])
        #expect(TrainKind().validate(["init": .array([.string("a"), .string("b")])]).map(\.parameter) == ["init"])
    }
}
