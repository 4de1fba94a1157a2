import Foundation
import LemaCore
import StageAPI
import TinyGPT

/// The model files of `train` stages as the model stages see them: which file an input means, and loading it (the
/// loading itself is TinyGPT's `InferenceModel.load`; here its errors become stage failures).
enum ModelFiles {
    /// Loads weights (or a full checkpoint) from a file.
    static func load(_ url: URL) throws -> InferenceModel {
        do {
            return try InferenceModel.load(contentsOf: url)
        } catch {
            throw StageFailure("cannot load model \(url.path): \(error)", retryable: false)
        }
    }

    /// The model file of a `train` input.
    static func modelFile(_ input: InputArtifact) throws -> URL { try input.file(default: "model") }
}

/// One GPT per worker thread: a model's activation buffers are not shareable, so concurrent chunks each take their
/// own copy of the weights.
final class ModelPool: @unchecked Sendable {
    private var free: [InferenceModel]
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
    func withModel<T>(_ body: (InferenceModel) throws -> T) throws -> T {
        let model = try lock.withLock { () throws -> InferenceModel in
            if let m = free.popLast() { return m }
            return try ModelFiles.load(file)
        }
        defer { lock.withLock { free.append(model) } }
        return try body(model)
    }
}
