import Kernels

/// Where every parameter tensor lives inside the one contiguous parameter buffer, with its checkpoint name
/// (`wte`, `wpe`, `h.0.ln1.weight`, …, `ln_f.bias`) and shape. Gradients and AdamW moments use the same layout.
public struct ParameterLayout: Sendable {
    /// Offsets of one transformer block's tensors.
    public struct Block: Sendable {
        /// Offsets of LayerNorm 1, the fused QKV projection (3C, C) and attention's output projection (C, C).
        public let ln1Weight, ln1Bias, qkvWeight, qkvBias, projWeight, projBias: Int
        /// Offsets of LayerNorm 2 and the MLP's up (H, C) and down (C, H) projections, H = mlpRatio·C.
        public let ln2Weight, ln2Bias, fcWeight, fcBias, fc2Weight, fc2Bias: Int
    }

    /// Every tensor in buffer order.
    public let tensors: [(name: String, shape: [Int], range: Range<Int>)]
    /// Total number of parameters.
    public let count: Int
    /// Offset of the token embedding (V, C), row-major; also the tied LM head.
    public let wte: Int  // (V,C), also the tied LM head
    /// Offset of the position embedding (contextLength, C), row-major.
    public let wpe: Int  // (maxT,C)
    /// One entry per transformer block, in order.
    public let blocks: [Block]
    /// Offset of the final LayerNorm's gain (C).
    public let lnfWeight: Int  // (C)
    /// Offset of the final LayerNorm's bias (C).
    public let lnfBias: Int  // (C)

    /// The layout of `config`: `wte`, `wpe`, the blocks in order, then `ln_f`, packed without gaps.
    public init(config: GPTConfig) {
        let C = config.dModel, V = config.vocabSize, H = config.mlpRatio * C
        var list: [(name: String, shape: [Int], range: Range<Int>)] = []
        var next = 0
        func add(_ name: String, _ shape: [Int]) -> Int {
            let n = shape.reduce(1, *)
            list.append((name, shape, next..<(next + n)))
            defer { next += n }
            return next
        }
        wte = add("wte", [V, C])
        wpe = add("wpe", [config.contextLength, C])
        var blocks: [Block] = []
        for l in 0..<config.layers {
            let p = "h.\(l)."
            blocks.append(
                Block(
                    ln1Weight: add(p + "ln1.weight", [C]), ln1Bias: add(p + "ln1.bias", [C]),
                    qkvWeight: add(p + "attn.qkv.weight", [3 * C, C]), qkvBias: add(p + "attn.qkv.bias", [3 * C]),
                    projWeight: add(p + "attn.proj.weight", [C, C]), projBias: add(p + "attn.proj.bias", [C]),
                    ln2Weight: add(p + "ln2.weight", [C]), ln2Bias: add(p + "ln2.bias", [C]),
                    fcWeight: add(p + "mlp.fc.weight", [H, C]), fcBias: add(p + "mlp.fc.bias", [H]),
                    fc2Weight: add(p + "mlp.proj.weight", [C, H]), fc2Bias: add(p + "mlp.proj.bias", [C])))
        }
        self.blocks = blocks
        lnfWeight = add("ln_f.weight", [C])
        lnfBias = add("ln_f.bias", [C])
        tensors = list
        count = next
    }
}

/// A fixed-size Float buffer with manual lifetime (the kernels work on raw pointers; no copy-on-write surprises).
public final class FloatBuffer: @unchecked Sendable {
    // @unchecked: the owner (model, trainer) is used by one thread at a time; kernels split writes disjointly.
    /// Start of the floats; valid while the buffer lives.
    public let pointer: UnsafeMutablePointer<Float>
    /// Number of floats.
    public let count: Int

    /// A buffer of `count` floats, every one set to `value`.
    public init(count: Int, value: Float = 0) {
        self.count = count
        pointer = LargeBuffer.allocateFloats(count)  // room for at least one float
        pointer.initialize(repeating: value, count: max(count, 1))
    }

    deinit { LargeBuffer.free(pointer, count: count) }

    /// A copy of the contents.
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// Replaces the contents; `values.count` must equal `count` (checked by callers that take user input).
    public func assign(_ values: [Float]) {
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: min(count, $0.count)) }
    }

    /// Sets every float to 0.
    public func zero() { pointer.update(repeating: 0, count: count) }
}
