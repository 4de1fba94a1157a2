/// One training batch of B rows × T positions, as produced by the batcher.
///
/// Row b predicts `targets[b,t]` from `tokens[b,0...t]`; the loss is the mean over positions whose `lossMask` is
/// non-zero (1 on answer tokens, 0 on prompt and padding). Padding sits at the right end of a row; `validLengths`
/// (optional) tells attention how many leading positions of each row are real, so padded keys are never attended.
public struct Batch: Sendable, Hashable {
    /// (B,T) input token ids.
    public var tokens: [Int32]
    /// (B,T) next-token ids; read only where lossMask ≠ 0.
    public var targets: [Int32]
    /// (B,T) per-token loss weight: 1 on target tokens, 0 elsewhere.
    public var lossMask: [Float]
    /// B.
    public var batchSize: Int
    /// T.
    public var length: Int
    /// (B) real (unpadded) tokens per row, or nil when every row is full.
    public var validLengths: [Int32]?

    /// A batch from flat row-major (B,T) arrays; not checked here (see `validate(for:)`).
    public init(
        tokens: [Int32], targets: [Int32], lossMask: [Float], batchSize: Int, length: Int,
        validLengths: [Int32]? = nil
    ) {
        self.tokens = tokens
        self.targets = targets
        self.lossMask = lossMask
        self.batchSize = batchSize
        self.length = length
        self.validLengths = validLengths
    }

    /// Checks shapes and id ranges against a model config.
    public func validate(for config: GPTConfig) throws(GPTError) {
        let n = batchSize * length
        guard batchSize >= 1, length >= 1 else {
            throw .invalidBatch("batchSize and length must be positive, got \(batchSize)×\(length)")
        }
        guard length <= config.contextLength else {
            throw .invalidBatch("length \(length) exceeds the model's contextLength \(config.contextLength)")
        }
        guard tokens.count == n, targets.count == n, lossMask.count == n else {
            throw .invalidBatch(
                "expected \(n) = \(batchSize)×\(length) tokens, targets and mask entries; got \(tokens.count), "
                    + "\(targets.count), \(lossMask.count)")
        }
        let v = Int32(config.vocabSize)
        if let i = tokens.firstIndex(where: { $0 < 0 || $0 >= v }) {
            throw .invalidBatch("token id \(tokens[i]) at index \(i) is outside the vocabulary 0..<\(v)")
        }
        for i in 0..<n where lossMask[i] != 0 && (targets[i] < 0 || targets[i] >= v) {
            throw .invalidBatch("target id \(targets[i]) at index \(i) is outside the vocabulary 0..<\(v)")
        }
        if let lengths = validLengths {
            guard lengths.count == batchSize, lengths.allSatisfy({ $0 >= 1 && Int($0) <= length }) else {
                throw .invalidBatch("validLengths must hold \(batchSize) values in 1...\(length)")
            }
        }
    }
}
