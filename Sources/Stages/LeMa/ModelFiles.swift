import Foundation
import LemaCore
import StageAPI
import TinyGPT

/// Bridges the trainer's in-memory state and the checkpoint files the `train` stage writes and the model stages
/// read: weights in `GPT.namedTensors()` order, the model config as JSON, the tokenizer as its archive JSON.
enum ModelFiles {
    /// A model ready for inference.
    struct LoadedModel: @unchecked Sendable {
        // GPT is a class with mutable activation buffers: one LoadedModel is used by one thread at a time.
        let model: GPT
        let tokenizer: any Tokenizer
        let step: Int
    }

    /// Loads weights (or a full checkpoint) from a file.
    static func load(_ url: URL) throws -> LoadedModel {
        do {
            let weights = try ModelWeights.read(from: url)
            let config = try JSONDecoder().decode(GPTConfig.self, from: Data(weights.configJSON.utf8))
            let tokenizer = try TokenizerArchive.load(json: weights.tokenizerJSON)
            let model = try GPT(config: config, seed: 0)
            try model.setParameters(try flatParameters(weights.weights, model: model, file: url))
            return LoadedModel(model: model, tokenizer: tokenizer, step: weights.step)
        } catch let error as StageFailure {
            throw error
        } catch {
            throw StageFailure("cannot load model \(url.path): \(error)", retryable: false)
        }
    }

    /// The model file of a `train` input.
    static func modelFile(_ input: InputArtifact) throws -> URL { try input.file(default: "model") }

    /// Named tensors from a flat parameter array in the model's layout.
    static func tensors(_ flat: [Float], model: GPT) -> [NamedTensor] {
        model.namedTensors().map { NamedTensor(name: $0.name, shape: $0.shape, floats: Array(flat[$0.range])) }
    }

    /// A flat parameter array from named tensors, checking names and shapes against the model.
    static func flatParameters(_ tensors: [NamedTensor], model: GPT, file: URL) throws -> [Float] {
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var flat = [Float](repeating: 0, count: model.parameterCount)
        for t in model.namedTensors() {
            guard let tensor = byName[t.name], tensor.shape == t.shape, let values = tensor.floats,
                  values.count == t.range.count else {
                throw StageFailure("\(file.path): tensor '\(t.name)' is missing or has the wrong shape for this model "
                    + "config (expected \(t.shape))", retryable: false)
            }
            flat.replaceSubrange(t.range, with: values)
        }
        return flat
    }

    static func configJSON(_ config: GPTConfig) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(config), as: UTF8.self)
    }
}

/// One GPT per worker thread: a model's activation buffers are not shareable, so concurrent chunks each take their
/// own copy of the weights.
final class ModelPool: @unchecked Sendable {
    private var free: [ModelFiles.LoadedModel]
    private let lock = NSLock()
    private let file: URL

    let tokenizer: any Tokenizer
    let config: GPTConfig
    /// Training steps behind the weights.
    let step: Int

    init(file: URL) throws {
        self.file = file
        let first = try ModelFiles.load(file)
        tokenizer = first.tokenizer
        config = first.model.config
        step = first.step
        free = [first]
    }

    /// Runs `body` with a model no other thread is using.
    func withModel<T>(_ body: (ModelFiles.LoadedModel) throws -> T) throws -> T {
        let model = try lock.withLock { () throws -> ModelFiles.LoadedModel in
            if let m = free.popLast() { return m }
            return try ModelFiles.load(file)
        }
        defer { lock.withLock { free.append(model) } }
        return try body(model)
    }
}
