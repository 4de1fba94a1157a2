import Kernels
import LemaCore

/// A GPT-2-style decoder (pre-LayerNorm blocks, GELU MLP, learned positions, LM head tied to `wte`) whose
/// parameters, gradients and activations live in preallocated contiguous buffers. Forward and backward run the
/// `Kernels` ops with the thread count the caller passes; nothing is allocated per step once the batch shape is seen.
///
/// Not thread-safe: one caller at a time (the worker pool gives each model its own threads).
public final class GPT {
    /// The model's shape; fixed at init.
    public let config: GPTConfig
    /// Offsets and names of every tensor in `params` and `grads`.
    public let layout: ParameterLayout
    /// (P) all parameters, carved into tensors by `layout`.
    public let params: FloatBuffer
    /// (P) gradients, same layout; `backward` accumulates, `zeroGrad` clears.
    public let grads: FloatBuffer
    var acts: Activations?
    var lastBatch: Batch?

    /// A freshly initialised model: GPT-2 initialisation from `seed` (weights N(0, 0.02), residual projections
    /// N(0, 0.02/√(2·layers)), biases 0, LayerNorm gains 1).
    public init(config: GPTConfig, seed: UInt64) throws(GPTError) {
        try config.validate()
        self.config = config
        layout = ParameterLayout(config: config)
        params = FloatBuffer(count: layout.count)
        grads = FloatBuffer(count: layout.count)
        var rng = SeededRNG(seed: SeededRNG.derive(seed, "gpt-init"))
        let projStd = 0.02 / (2 * Double(config.layers)).squareRoot()
        for t in layout.tensors {
            let p = params.pointer
            if t.name.hasSuffix("ln1.weight") || t.name.hasSuffix("ln2.weight") || t.name == "ln_f.weight" {
                for i in t.range { p[i] = 1 }
            } else if t.shape.count >= 2 {
                let std = t.name.hasSuffix("proj.weight") ? projStd : 0.02
                for i in t.range { p[i] = Float(rng.nextGaussian() * std) }
            } else {
                for i in t.range { p[i] = 0 }
            }
        }
    }

    /// Every parameter tensor (name, shape, range in `params`/`grads`), for checkpoints.
    public func namedTensors() -> [(name: String, shape: [Int], range: Range<Int>)] { layout.tensors }

    /// Number of parameters.
    public var parameterCount: Int { layout.count }

    /// A copy of all parameters in layout order.
    public var parameters: [Float] { params.array }

    /// Replaces all parameters (e.g. from a checkpoint).
    public func setParameters(_ values: [Float]) throws(GPTError) {
        guard values.count == layout.count else {
            throw .invalidState("expected \(layout.count) parameters for this config, got \(values.count)")
        }
        params.assign(values)
    }

    /// Clears the gradient buffer.
    public func zeroGrad() { grads.zero() }

    /// Whether a tensor is weight-decayed by AdamW: matrices and embeddings yes, biases and norm gains no.
    public static func isDecayed(shape: [Int]) -> Bool { shape.count >= 2 }
}
