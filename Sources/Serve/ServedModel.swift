import Foundation
import LemaCore
import TinyGPT

/// A checkpoint loaded for serving: the model, its tokenizer and the name clients address it by.
///
/// `@unchecked Sendable`: `GPT` is a class with mutable activation buffers; a `ModelServer` hands it to its one
/// generation thread and never touches it elsewhere.
public struct ServedModel: @unchecked Sendable {
    /// The name clients address the model by (the `model` field of requests and responses).
    public let name: String
    /// The network; used only by the server's one generation thread.
    public let model: GPT
    /// Turns prompts into tokens and generated tokens back into text.
    public let tokenizer: any Tokenizer
    /// Training steps behind the weights.
    public let step: Int

    /// Wraps an already loaded model; `step` is the training steps behind its weights (0 when unknown).
    public init(name: String, model: GPT, tokenizer: any Tokenizer, step: Int = 0) {
        self.name = name
        self.model = model
        self.tokenizer = tokenizer
        self.step = step
    }

    /// Loads a weights file (or a full training checkpoint) as written by the `train` stage.
    /// - Parameter name: the model name; default `defaultName(for:)`
    public static func load(contentsOf url: URL, name: String? = nil) throws(ServeError) -> ServedModel {
        guard FileManager.default.fileExists(atPath: url.path) else { throw .missingCheckpoint(url.path) }
        do {
            let loaded = try InferenceModel.load(contentsOf: url)
            return ServedModel(name: name ?? defaultName(for: url), model: loaded.model, tokenizer: loaded.tokenizer,
                               step: loaded.step)
        } catch {
            throw .unreadableCheckpoint(url.path, "\(error)")
        }
    }

    /// The file name without its extension (`best.safetensors` → `best`). A train stage's generic file names are
    /// replaced by its stage: `nodes/train-<fingerprint>/model.safetensors` → `train`, and
    /// `…/ckpt_200.safetensors` → `train/ckpt_200`.
    public static func defaultName(for url: URL) -> String {
        let base = url.deletingPathExtension().lastPathComponent
        var directory = url.deletingLastPathComponent().lastPathComponent
        if let node = NodeDirectoryName.parse(directory) { directory = node.stage }
        guard !directory.isEmpty, directory != ".", directory != "/" else { return base }
        if base == "model" { return directory }
        if CheckpointName.step(ofArtifact: base) != nil { return "\(directory)/\(base)" }
        return base
    }
}
