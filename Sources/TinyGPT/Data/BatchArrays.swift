/// One training batch as flat arrays, row-major `(B,T)`. The model's `Batch` is built from these fields.
///
/// For every position `t` of row `b` (index `b*T + t`): the model reads `tokens[i]` and is trained to predict
/// `targets[i]` (the next token of the row) with weight `lossMask[i]`.
public struct BatchArrays: Sendable, Equatable {
    /// Input tokens.
    public var tokens: [Int32]  // (B,T)
    /// Next-token targets: `targets[b*T+t]` is the token at row position `t+1`; `pad` past the row's content.
    public var targets: [Int32]  // (B,T)
    /// 1 where the target is part of an example's target (its answer tokens and the `eos` ending them), 0 for
    /// prompt tokens, for the `bos` of a following packed example, and for padding.
    public var lossMask: [Float]  // (B,T)
    /// Which example of the row an input token belongs to: 1, 2, … in row order, 0 for padding. Packed examples
    /// are *not* isolated by the attention mask (see `Batcher`); this is here so a kernel could isolate them.
    public var segments: [Int32]  // (B,T)
    /// Real (non-padding) input positions per row; padding only ever follows them. Feeds `Batch.validLengths`.
    public var validLengths: [Int32]  // (B)
    /// B: rows.
    public let batchSize: Int
    /// T: positions per row (the context length).
    public let length: Int
    /// Indices (into the batcher's examples) of the examples in this batch, in layout order.
    public var exampleIndices: [Int]
    /// How many of those examples were cut to fit the context (see `Batcher`).
    public var truncatedExamples: Int

    /// Number of positions that carry loss.
    public var targetTokenCount: Int { lossMask.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } }
}
