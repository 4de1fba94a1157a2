import Foundation

/// A model ready for inference: the network with its checkpoint's weights, its tokenizer, and the training steps
/// behind the weights. The one way to turn a checkpoint file into a usable model; the model stages and `lema serve`
/// both load through it.
///
/// `@unchecked Sendable`: `GPT` is a class with mutable activation buffers, so one `InferenceModel` is used by one
/// thread at a time (callers keep one per thread, or hand it to one generation thread).
public struct InferenceModel: @unchecked Sendable {
    /// The network with the checkpoint's weights; used by one thread at a time.
    public let model: GPT
    /// The tokenizer the model was trained with.
    public let tokenizer: any Tokenizer
    /// Training steps behind the weights.
    public let step: Int

    /// Wraps a model already in memory; `step` is the training steps behind its weights (0 when unknown).
    public init(model: GPT, tokenizer: any Tokenizer, step: Int = 0) {
        self.model = model
        self.tokenizer = tokenizer
        self.step = step
    }

    /// Loads a weights file or a full training checkpoint (its optimizer state is ignored), checking the file's
    /// checksum, its config, its tokenizer, and every weight's name and shape against the config.
    public static func load(contentsOf url: URL) throws(CheckpointError) -> InferenceModel {
        let weights = try ModelWeights.read(from: url)
        func invalid(_ key: String, _ reason: String) -> CheckpointError {
            CheckpointError(file: url.path, problem: .invalidMetadata(key: key, reason: reason))
        }
        let config: GPTConfig
        do {
            config = try JSONDecoder().decode(GPTConfig.self, from: Data(weights.configJSON.utf8))
        } catch {
            throw invalid("lema.config", "is not a model config (\(error))")
        }
        let tokenizer: any Tokenizer
        do {
            tokenizer = try TokenizerArchive.load(json: weights.tokenizerJSON)
        } catch {
            throw invalid("lema.tokenizer", "\(error)")
        }
        let model: GPT
        do {
            model = try GPT(config: config, seed: 0)
        } catch {
            throw invalid("lema.config", "\(error)")
        }
        let flat = try model.flatParameters(from: weights.weights, file: url.path)
        do {
            try model.setParameters(flat)
        } catch {
            throw invalid("lema.weights", "\(error)")
        }
        return InferenceModel(model: model, tokenizer: tokenizer, step: weights.step)
    }
}

extension GPT {
    /// The parameters as named tensors in model order (what checkpoints store), sliced from a flat buffer in this
    /// model's layout (the model's own parameters, or a trainer's saved state).
    public func namedTensors(from flat: [Float]) -> [NamedTensor] {
        NamedTensor.slices(of: flat, layout: namedTensors())
    }

    /// A flat buffer in this model's layout from named tensors that must match it by name and shape (order free);
    /// `file` names the checkpoint in errors.
    public func flatParameters(from tensors: [NamedTensor], file: String) throws(CheckpointError) -> [Float] {
        try NamedTensor.flatten(tensors, layout: namedTensors(), count: parameterCount, file: file)
    }
}

extension GPTConfig {
    /// The config as checkpoints store it (`lema.config`): JSON with sorted keys, so equal configs give equal bytes.
    public func checkpointJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
