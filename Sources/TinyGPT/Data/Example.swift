/// One supervised training example: the model reads `prompt` and learns to write `target`. Loss is computed on
/// the target tokens (and the `eos` that ends them), never on the prompt.
public struct Example: Sendable, Hashable, Codable {
    /// Prompt token ids, without `bos` (the batcher adds it).
    public var prompt: [Int32]
    /// Target token ids, without `eos` (the batcher adds it).
    public var target: [Int32]

    /// An example from token ids, `bos`/`eos` not included.
    public init(prompt: [Int32], target: [Int32]) {
        self.prompt = prompt
        self.target = target
    }

    /// Tokenizes a (prompt, target) pair of texts.
    public init(prompt: String, target: String, tokenizer: any Tokenizer) {
        self.init(prompt: tokenizer.encode(prompt), target: tokenizer.encode(target))
    }

    /// The token sequence the batcher lays out: `[bos] + prompt + target + [eos]`.
    public var sequenceLength: Int { prompt.count + target.count + 2 }
}

/// Errors of batching and of restoring a data cursor.
public enum DataError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The batcher or cursor was given no examples.
    case noExamples
    /// Batch size or context length below 1.
    case invalidBatchShape(batchSize: Int, length: Int)
    /// A restored cursor counts a different number of examples than the batcher holds.
    case cursorMismatch(cursorExamples: Int, batcherExamples: Int)
    /// A saved cursor's fields are inconsistent.
    case invalidCursor(String)

    /// What went wrong and how to fix it.
    public var description: String {
        switch self {
        case .noExamples:
            "the batcher needs at least one example; check that the training split is not empty"
        case .invalidBatchShape(let b, let t):
            "invalid batch shape \(b)×\(t): batch size and context length must both be at least 1"
        case .cursorMismatch(let saved, let now):
            "the data cursor was saved for \(saved) examples but the batcher has \(now); the training data "
                + "changed since the checkpoint — restore the original data or start training afresh"
        case .invalidCursor(let why):
            "invalid data cursor: \(why)"
        }
    }
}
