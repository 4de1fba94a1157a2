import Foundation
import LemaCore
import Testing
@testable import TinyGPT

/// `InferenceModel.load` (the one checkpoint-to-model path) and `CheckpointName` (the one checkpoint name format).
@Suite struct CheckpointLoadingTests {
    static let config = GPTConfig(vocabSize: 0, contextLength: 16, layers: 1, dModel: 8, heads: 2)

    /// A weights file of a small model with known parameters; returns the file and the model written.
    static func weightsFile(in directory: URL, configJSON: String? = nil, tokenizerJSON: String? = nil,
                            weights: (([NamedTensor]) -> [NamedTensor])? = nil) throws -> (URL, GPT) {
        let tokenizer = CharTokenizer(trainingTexts: ["abc 123\n"])
        var config = config
        config.vocabSize = tokenizer.vocabularySize
        let model = try GPT(config: config, seed: 42)
        let tensors = model.namedTensors(from: model.parameters)
        let checkpoint = TrainingCheckpoint(
            step: 300, configJSON: try configJSON ?? config.checkpointJSON(),
            tokenizerJSON: try tokenizerJSON ?? tokenizer.jsonString(), weights: weights?(tensors) ?? tensors,
            optimizerMoments: nil, rngState: [], dataCursorJSON: "")
        let url = directory.appendingPathComponent("model.safetensors")
        try checkpoint.writeWeights(to: url)
        return (url, model)
    }

    @Test func loadsTheWeightsTokenizerAndStepThatWereWritten() throws {
        let directory = try CheckpointFixtures.temporaryDirectory()
        let (url, written) = try Self.weightsFile(in: directory)
        let loaded = try InferenceModel.load(contentsOf: url)
        #expect(loaded.model.config == written.config)
        #expect(loaded.model.parameters == written.parameters)
        #expect(loaded.step == 300)
        #expect(loaded.tokenizer.decode(loaded.tokenizer.encode("abc 123")) == "abc 123")
    }

    struct BadFile: Sendable, CustomTestStringConvertible {
        var label: String
        var configJSON: String?
        var tokenizerJSON: String?
        var dropFirstWeight = false
        var reshapeFirstWeight = false
        /// Problem kind and a phrase the message must contain.
        var kind: String
        var phrase: String
        var testDescription: String { label }
    }

    static let badFiles: [BadFile] = [
        BadFile(label: "config is not JSON", configJSON: "{", kind: "invalidMetadata", phrase: "lema.config"),
        BadFile(label: "config describes no buildable model",
                configJSON: #"{"contextLength":16,"dModel":8,"heads":3,"layers":1,"mlpRatio":4,"vocabSize":16}"#,
                kind: "invalidMetadata", phrase: "not divisible by heads"),
        BadFile(label: "tokenizer is not an archive", tokenizerJSON: "[]", kind: "invalidMetadata",
                phrase: "lema.tokenizer"),
        BadFile(label: "a weight is missing", dropFirstWeight: true, kind: "missingTensor", phrase: "wte"),
        BadFile(label: "a weight has another shape", reshapeFirstWeight: true, kind: "invalidTensor",
                phrase: "different model config"),
    ]

    @Test(arguments: badFiles) func refusesAFileThatDoesNotMakeAModel(_ bad: BadFile) throws {
        let directory = try CheckpointFixtures.temporaryDirectory()
        let (url, _) = try Self.weightsFile(in: directory, configJSON: bad.configJSON,
                                            tokenizerJSON: bad.tokenizerJSON) { tensors in
            var out = tensors
            if bad.dropFirstWeight { out.removeFirst() }
            if bad.reshapeFirstWeight, let first = out.first, let floats = first.floats {
                out[0] = NamedTensor(name: first.name, shape: [floats.count], floats: floats)
            }
            return out
        }
        let error = try #require(CheckpointFixtures.checkpointError { _ = try InferenceModel.load(contentsOf: url) })
        #expect(CheckpointFixtures.kind(error.problem) == bad.kind)
        #expect(error.file == url.path)
        #expect(error.description.contains(bad.phrase), "\(error)")
    }

    @Test func aMissingFileIsUnreadable() throws {
        let url = try CheckpointFixtures.temporaryDirectory().appendingPathComponent("absent.safetensors")
        let error = try #require(CheckpointFixtures.checkpointError { _ = try InferenceModel.load(contentsOf: url) })
        #expect(CheckpointFixtures.kind(error.problem) == "unreadable")
    }

    @Test func namedTensorsAndFlatParametersAreInverse() throws {
        let model = try GPT(config: GPTConfig(vocabSize: 10, contextLength: 8, layers: 1, dModel: 8, heads: 2),
                            seed: 3)
        let tensors = model.namedTensors(from: model.parameters)
        #expect(tensors.map(\.name) == model.namedTensors().map(\.name))
        #expect(try model.flatParameters(from: tensors.reversed(), file: "f") == model.parameters)
    }

    /// Checkpoint names: (file name, artifact name, step) — a nil step means neither name is a checkpoint's.
    static let names: [(file: String, artifact: String, step: Int?)] = [
        ("ckpt_00000200.safetensors", "ckpt_00000200", 200),
        ("ckpt_00000000.safetensors", "ckpt_00000000", 0),
        ("ckpt_123456789.safetensors", "ckpt_123456789", 123_456_789),
        ("ckpt_200.safetensors", "ckpt_200", 200),  // read (older or hand-made names), never written
        ("ckpt_.safetensors", "ckpt_", nil),
        ("ckpt_12a.safetensors", "ckpt_12a", nil),
        ("ckpt_-1.safetensors", "ckpt_-1", nil),
        ("ckpt_+5.safetensors", "ckpt_+5", nil),
        ("ckpt_ 5.safetensors", "ckpt_ 5", nil),
        ("model.safetensors", "model", nil),
        ("CKPT_00000200.safetensors", "CKPT_00000200", nil),
        ("ckpt_99999999999999999999999.safetensors", "ckpt_99999999999999999999999", nil),
    ]

    @Test func checkpointNamesParseBackToTheirStep() {
        for (file, artifact, step) in Self.names {
            #expect(CheckpointName.step(ofFile: file) == step, "\(file)")
            #expect(CheckpointName.step(ofArtifact: artifact) == step, "\(artifact)")
        }
        #expect(CheckpointName.step(ofFile: "ckpt_00000200") == nil)  // an artifact name is not a file name
        #expect(CheckpointName.step(ofFile: "ckpt_00000200.safetensors.tmp") == nil)
    }

    @Test(arguments: [0, 7, 200, 99_999_999, 100_000_000])
    func checkpointNamesRoundTrip(step: Int) {
        #expect(CheckpointName.file(step: step) == String(format: "ckpt_%08d.safetensors", step))
        #expect(CheckpointName.artifact(step: step) == String(format: "ckpt_%08d", step))
        #expect(CheckpointName.step(ofFile: CheckpointName.file(step: step)) == step)
        #expect(CheckpointName.step(ofArtifact: CheckpointName.artifact(step: step)) == step)
    }
}
