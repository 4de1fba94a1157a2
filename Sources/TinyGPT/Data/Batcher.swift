/// Lays out examples as fixed `(B,T)` training batches.
///
/// Every example becomes the sequence `[bos] + prompt + target + [eos]`. A row of context length `T` holds
/// `T + 1` sequence tokens: inputs are positions `0..<T`, next-token targets positions `1...T`.
///
/// - **`.pad`**: one example per row, the rest of the row is `pad` (no loss).
/// - **`.pack`**: examples follow each other in a row (each starting with its `bos`, so the `eos` of one is
///   directly followed by the `bos` of the next) until the next one does not fit; it then starts the next row,
///   and rows end in padding. Examples are never split across rows. Attention is **not** masked between packed
///   examples (the kernels apply a causal mask only): a later example can attend to an earlier one in the same
///   row; `BatchArrays.segments` records the boundaries should a kernel want to isolate them. Positions are row
///   positions, so a packed example may start at a position other than 0.
///
/// In both layouts padding only follows real tokens, so causal attention alone keeps real positions from
/// attending to padding.
///
/// **Too long.** An example longer than `T + 1` tokens loses the oldest prompt tokens (right after `bos`, which
/// stays); if even an empty prompt is too long, the target is cut at the end (losing `eos` first). Such examples
/// are counted in `BatchArrays.truncatedExamples`.
public struct Batcher: Sendable {
    /// How examples fill rows: one per row (`pad`) or back to back (`pack`); see the type's documentation.
    public enum Layout: String, Codable, Sendable, CaseIterable {
        /// One example per row, padded to the end.
        case pad
        /// Examples back to back in a row while they fit.
        case pack
    }

    /// All examples, indexed by the cursor.
    public let examples: [Example]
    /// Rows per batch (B).
    public let batchSize: Int
    /// Context length `T`.
    public let length: Int
    /// How examples are laid out in rows.
    public let layout: Layout

    /// Throws `DataError.noExamples` for no examples and `.invalidBatchShape` when B or T is below 1.
    public init(examples: [Example], batchSize: Int, length: Int, layout: Layout) throws(DataError) {
        guard !examples.isEmpty else { throw .noExamples }
        guard batchSize >= 1, length >= 1 else { throw .invalidBatchShape(batchSize: batchSize, length: length) }
        self.examples = examples
        self.batchSize = batchSize
        self.length = length
        self.layout = layout
    }

    /// A fresh cursor over this batcher's examples.
    public func makeCursor(seed: UInt64, shuffle: Bool = true) -> DataCursor {
        do {
            return try DataCursor(exampleCount: examples.count, seed: seed, shuffle: shuffle)
        } catch {
            preconditionFailure("examples are non-empty by construction: \(error)")
        }
    }

    /// The next batch in the cursor's order, advancing the cursor past the examples it used.
    public func nextBatch(cursor: inout DataCursor) throws(DataError) -> BatchArrays {
        guard cursor.exampleCount == examples.count else {
            throw .cursorMismatch(cursorExamples: cursor.exampleCount, batcherExamples: examples.count)
        }
        var builder = RowBuilder(batchSize: batchSize, length: length)
        var row = 0
        var offset = 0
        while row < batchSize {
            let index = cursor.peek()
            let laid = layOut(examples[index])
            switch layout {
            case .pad:
                builder.place(laid, exampleIndex: index, row: row, offset: 0)
                cursor.advance()
                row += 1
            case .pack:
                if offset + laid.tokens.count <= length + 1 {
                    builder.place(laid, exampleIndex: index, row: row, offset: offset)
                    cursor.advance()
                    offset += laid.tokens.count
                } else {
                    row += 1
                    offset = 0
                }
            }
        }
        return builder.finish()
    }

    /// A padded batch of the given examples in order, one per row (for evaluation; the layout is ignored).
    /// Rows beyond `indices.count` are all padding (`validLengths` 0); indices beyond `batchSize` are not used.
    /// Every index must be in `examples.indices` (the caller derives them from `examples.count`).
    public func paddedBatch(of indices: [Int]) -> BatchArrays {
        var builder = RowBuilder(batchSize: batchSize, length: length)
        for (row, index) in indices.prefix(batchSize).enumerated() {
            builder.place(layOut(examples[index]), exampleIndex: index, row: row, offset: 0)
        }
        return builder.finish()
    }

    /// An example's sequence, cut to at most `length + 1` tokens, and where its target part begins.
    func layOut(_ example: Example) -> LaidOutExample {
        let capacity = length + 1
        let excess = max(0, example.sequenceLength - capacity)
        let dropped = min(excess, example.prompt.count)
        var tokens: [Int32] = []
        tokens.reserveCapacity(min(example.sequenceLength, capacity))
        tokens.append(SpecialTokens.bos)
        tokens.append(contentsOf: example.prompt[dropped...])
        let targetStart = tokens.count
        tokens.append(contentsOf: example.target)
        tokens.append(SpecialTokens.eos)
        if tokens.count > capacity { tokens.removeLast(tokens.count - capacity) }
        return LaidOutExample(tokens: tokens, targetStart: targetStart, truncated: excess > 0)
    }
}

/// A sequence ready for a row: `tokens[targetStart...]` are target tokens (they carry loss).
struct LaidOutExample {
    var tokens: [Int32]
    var targetStart: Int
    var truncated: Bool
}

/// Fills `(B, T+1)` row windows, then derives inputs, shifted targets and masks from them.
struct RowBuilder {
    let batchSize: Int
    let length: Int
    private var window: [Int32]  // (B,T+1) sequence tokens
    private var isTarget: [Bool]  // (B,T+1) token belongs to an example's target part
    private var segment: [Int32]  // (B,T+1) 1-based example number within the row, 0 = padding
    private var segmentsInRow: [Int32]  // (B)
    private var indices: [Int] = []
    private var truncated = 0

    init(batchSize: Int, length: Int) {
        self.batchSize = batchSize
        self.length = length
        let n = batchSize * (length + 1)
        window = [Int32](repeating: SpecialTokens.pad, count: n)
        isTarget = [Bool](repeating: false, count: n)
        segment = [Int32](repeating: 0, count: n)
        segmentsInRow = [Int32](repeating: 0, count: batchSize)
    }

    mutating func place(_ example: LaidOutExample, exampleIndex: Int, row: Int, offset: Int) {
        segmentsInRow[row] += 1
        let base = row * (length + 1) + offset
        for (i, token) in example.tokens.enumerated() {
            window[base + i] = token
            isTarget[base + i] = i >= example.targetStart
            segment[base + i] = segmentsInRow[row]
        }
        indices.append(exampleIndex)
        if example.truncated { truncated += 1 }
    }

    func finish() -> BatchArrays {
        let t = length
        var tokens = [Int32](repeating: SpecialTokens.pad, count: batchSize * t)  // (B,T)
        var targets = tokens  // (B,T)
        var mask = [Float](repeating: 0, count: batchSize * t)  // (B,T)
        var segments = [Int32](repeating: 0, count: batchSize * t)  // (B,T)
        var validLengths = [Int32](repeating: 0, count: batchSize)  // (B)
        for b in 0..<batchSize {
            for i in 0..<t {
                let w = b * (t + 1) + i
                tokens[b * t + i] = window[w]
                targets[b * t + i] = window[w + 1]
                mask[b * t + i] = isTarget[w + 1] ? 1 : 0
                segments[b * t + i] = segment[w]
                if segment[w] != 0 { validLengths[b] = Int32(i + 1) }
            }
        }
        return BatchArrays(tokens: tokens, targets: targets, lossMask: mask, segments: segments,
                           validLengths: validLengths, batchSize: batchSize, length: t, exampleIndices: indices,
                           truncatedExamples: truncated)
    }
}
