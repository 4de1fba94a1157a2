import Foundation
import LemaCore
import Math
import StageAPI
import Testing
@testable import Stages

/// The LeMa stages wired as `pipelines/smoke.yaml` wires them, at toy size and without the engine: each stage's
/// artifacts feed the next through whole-stage or `stage.artifact` references, with the engine's defaults applied.
@Suite("LeMa stages chained")
struct LeMaPipelineTests {
    private func run(_ kind: any StageKind, _ name: String, _ params: [String: JSONValue],
                     inputs: [String: [InputArtifact]], keep: inout [FakeStageContext]) throws
        -> (FakeStageContext, StageOutcome) {
        var params = params
        // The engine puts a reference's spec text in the params; `model` must be there (it is optional: `endpoint`).
        if let model = inputs["model"]?.first, params["model"] == nil { params["model"] = .string(model.stage) }
        let context = try FakeStageContext(stageName: name, params: TinyTraining.withDefaults(kind, params))
        keep.append(context)
        for (parameter, artifacts) in inputs { context.setInputs(parameter, artifacts) }
        #expect(kind.validate(context.params).isEmpty, "\(name): \(kind.validate(context.params))")
        return (context, try kind.run(context))
    }

    @Test func countsAreConsistentAcrossTheChain() throws {
        var contexts: [FakeStageContext] = []
        defer { contexts.forEach { $0.cleanUp() } }
        let (data, dataOut) = try run(DatasetKind(), "problems", LeMaFixture.datasetParams(count: 60, seed: 4, pool: 0.2),
                                      inputs: [:], keep: &contexts)
        let dataRef = { (split: String?) in LeMaFixture.input(data, dataOut, selected: split) }
        let tiny = TinyTraining.params(steps: 10, checkpointEvery: 5)
        let (base, baseOut) = try run(TrainKind(), "base", tiny, inputs: ["data": [dataRef("train")]], keep: &contexts)
        let baseRef = LeMaFixture.input(base, baseOut)
        let (sample, sampleOut) = try run(SampleKind(), "sample", [
            "k": .int(2), "max_tokens": .int(40), "temperature": .double(1), "templates": .string("compact"),
            "limit": .int(10),
        ], inputs: ["model": [baseRef], "questions": [dataRef(nil)]], keep: &contexts)
        let (mistakes, mistakesOut) = try run(FilterKind(), "mistakes", ["drop_unparseable": .bool(false)],
                                              inputs: ["input": [LeMaFixture.input(sample, sampleOut)]], keep: &contexts)
        let (correct, correctOut) = try run(CorrectKind(), "correct", [:], inputs: [
            "input": [LeMaFixture.input(mistakes, mistakesOut)], "problems": [dataRef("train")],
        ], keep: &contexts)
        let (mix, mixOut) = try run(MixKind(), "mix", ["templates": .string("compact")], inputs: [
            "cot": [dataRef("train")], "corrections": [LeMaFixture.input(correct, correctOut)], "pool": [dataRef(nil)],
        ], keep: &contexts)
        let (tuned, tunedOut) = try run(TrainKind(), "train_lema", [
            "steps": .int(4), "checkpoint_every": .int(2), "batch_size": .int(4), "templates": .string("compact"),
        ], inputs: ["data": [LeMaFixture.input(mix, mixOut)], "init": [baseRef]], keep: &contexts)
        let (_, evalOut) = try run(EvaluateKind(), "evaluate", ["max_tokens": .int(40), "templates": .string("compact")],
                                   inputs: ["model": [LeMaFixture.input(tuned, tunedOut)], "questions": [dataRef("test")],
                                            "dev": [dataRef("dev")]], keep: &contexts)

        let s = { (o: StageOutcome, k: String) in o.summary[k]?.intValue ?? -1 }
        #expect(s(sampleOut, "sampled") == 20)
        #expect(s(sampleOut, "wrong") + s(sampleOut, "correct") == 20)
        #expect(s(mistakesOut, "input") == 20)
        #expect(s(mistakesOut, "kept") + s(mistakesOut, "dropped_correct") + s(mistakesOut, "dropped_duplicate")
                + s(mistakesOut, "capped") == 20)
        #expect(s(correctOut, "mistakes") == s(mistakesOut, "kept"))
        #expect(s(correctOut, "kept") + s(correctOut, "rejected") + s(correctOut, "not_a_mistake") == s(correctOut, "mistakes"))
        #expect(s(correctOut, "kept") > 0, "no correction to mix: \(correctOut.summary)")
        #expect(s(mixOut, "cot") == s(dataOut, "train"))
        #expect(s(mixOut, "total") == s(mixOut, "cot") + max(0, s(mixOut, "correction")))
        #expect(s(mixOut, "correction") == min(s(correctOut, "kept"), s(dataOut, "train")))
        #expect(s(tunedOut, "examples") == s(mixOut, "total"))
        #expect(tunedOut.summary["vocabulary"] == baseOut.summary["vocabulary"])
        #expect(s(evalOut, "n") == s(dataOut, "test"))
        #expect(evalOut.summary["split"]?.stringValue == "test")
        #expect(["ckpt_00000002", "ckpt_00000004", "model"].contains(evalOut.summary["selected"]?.stringValue ?? ""))
        let accuracy = try #require(evalOut.summary["accuracy"]?.doubleValue)
        #expect((0...1).contains(accuracy))
        #expect((evalOut.summary["ci_low"]?.doubleValue ?? 2) <= accuracy)
        #expect((evalOut.summary["ci_high"]?.doubleValue ?? -1) >= accuracy)
    }
}
