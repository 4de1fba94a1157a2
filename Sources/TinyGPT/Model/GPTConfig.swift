/// The shape of a tiny GPT (nanoGPT-style: one value type with commented defaults). Stored in checkpoints.
/// Defaults are the benchmark's config M.
public struct GPTConfig: Codable, Sendable, Hashable {
    /// Number of token ids (the tokenizer's vocabulary, special tokens included).
    public var vocabSize: Int = 64
    /// Rows of the learned position table: the longest sequence (prompt + generated tokens) the model can see.
    public var contextLength: Int = 256
    /// Transformer blocks.
    public var layers: Int = 4
    /// Width of the residual stream (d_model); must be divisible by `heads`.
    public var dModel: Int = 128
    /// Attention heads; head size is dModel / heads.
    public var heads: Int = 4
    /// MLP hidden width as a multiple of dModel (GPT-2 uses 4).
    public var mlpRatio: Int = 4

    /// Defaults are config M (see `benchM`): vocab 64, 256 positions, 4 layers, d_model 128, 4 heads, MLP 4×.
    public init(
        vocabSize: Int = 64, contextLength: Int = 256, layers: Int = 4, dModel: Int = 128, heads: Int = 4,
        mlpRatio: Int = 4
    ) {
        self.vocabSize = vocabSize
        self.contextLength = contextLength
        self.layers = layers
        self.dModel = dModel
        self.heads = heads
        self.mlpRatio = mlpRatio
    }

    /// Benchmark configs of `bench/kernels/torch_gpt.py` (vocab 64, 256 positions).
    public static let benchS = GPTConfig(layers: 2, dModel: 64, heads: 4)
    /// Config M: 4 layers, d_model 128, 4 heads (the defaults).
    public static let benchM = GPTConfig(layers: 4, dModel: 128, heads: 4)
    /// Config L: 6 layers, d_model 256, 8 heads.
    public static let benchL = GPTConfig(layers: 6, dModel: 256, heads: 8)

    /// Head size dModel / heads.
    public var headSize: Int { dModel / max(heads, 1) }

    /// Checks that the numbers describe a buildable model.
    public func validate() throws(GPTError) {
        func bad(_ what: String) -> GPTError { .invalidConfig(what) }
        guard vocabSize >= 2 else { throw bad("vocabSize must be at least 2, got \(vocabSize)") }
        guard contextLength >= 1 else { throw bad("contextLength must be positive, got \(contextLength)") }
        guard layers >= 1 else { throw bad("layers must be positive, got \(layers)") }
        guard heads >= 1, dModel >= 1 else { throw bad("dModel and heads must be positive") }
        guard dModel % heads == 0 else {
            throw bad("dModel \(dModel) is not divisible by heads \(heads); pick dModel = heads × head size")
        }
        guard mlpRatio >= 1 else { throw bad("mlpRatio must be positive, got \(mlpRatio)") }
    }
}

/// Errors of the model, optimiser and sampler, each naming what is wrong and how to fix it.
public enum GPTError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The model's shape is unusable (`GPTConfig.validate`).
    case invalidConfig(String)
    /// A batch does not fit the model: shapes, token ids, lengths.
    case invalidBatch(String)
    /// A saved trainer state does not match this model or is inconsistent.
    case invalidState(String)
    /// Sampling options or prompts out of range.
    case invalidSampling(String)

    /// What failed (`invalid GPT config: …`, `cannot restore training state: …`) and the detail.
    public var description: String {
        switch self {
        case .invalidConfig(let s): "invalid GPT config: \(s)"
        case .invalidBatch(let s): "invalid batch: \(s)"
        case .invalidState(let s): "cannot restore training state: \(s)"
        case .invalidSampling(let s): "invalid sampling request: \(s)"
        }
    }
}
