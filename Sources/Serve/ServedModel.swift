import Foundation
import TinyGPT

/// A checkpoint loaded for serving: the model, its tokenizer and the name clients address it by.
///
/// `@unchecked Sendable`: `GPT` is a class with mutable activation buffers; a `ModelServer` hands it to its one
/// generation thread and never touches it elsewhere.
public struct ServedModel: @unchecked Sendable {
    public let name: String
    public let model: GPT
    public let tokenizer: any Tokenizer
    /// Training steps behind the weights.
    public let step: Int

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
            let weights = try ModelWeights.read(from: url)
            let config = try JSONDecoder().decode(GPTConfig.self, from: Data(weights.configJSON.utf8))
            let tokenizer = try TokenizerArchive.load(json: weights.tokenizerJSON)
            let model = try GPT(config: config, seed: 0)
            try model.setParameters(try NamedTensor.flatten(weights.weights, layout: model.namedTensors(),
                                                            count: model.parameterCount, file: url.path))
            return ServedModel(name: name ?? defaultName(for: url), model: model, tokenizer: tokenizer,
                               step: weights.step)
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
        // Node directories are `<stage>-<first 12 hex digits of the fingerprint>`.
        if let dash = directory.lastIndex(of: "-"), directory.distance(from: dash, to: directory.endIndex) == 13,
           directory[directory.index(after: dash)...].allSatisfy(\.isHexDigit) {
            directory = String(directory[..<dash])
        }
        guard !directory.isEmpty, directory != ".", directory != "/" else { return base }
        if base == "model" { return directory }
        if base.hasPrefix("ckpt_") { return "\(directory)/\(base)" }
        return base
    }
}
