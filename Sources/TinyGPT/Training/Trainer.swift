import Kernels
import LemaCore

/// Everything needed to continue training bit-exactly: plain arrays and numbers, so a checkpoint format can store
/// them as tensors (`parameters`, `adamM`, `adamV`, all in `GPT.namedTensors()` layout) and metadata.
public struct TrainerState: Codable, Sendable, Equatable {
    /// The model's shape.
    public var config: GPTConfig
    /// The optimiser settings, schedule included.
    public var optimizer: AdamWConfig
    /// (P) parameters.
    public var parameters: [Float]
    /// (P) AdamW first moments.
    public var adamM: [Float]
    /// (P) AdamW second moments.
    public var adamV: [Float]
    /// Optimiser steps taken so far.
    public var step: Int
    /// The trainer's RNG (`SeededRNG.stateWords`), for callers that draw data order from it.
    public var rngState: [UInt64]

    /// A state from its parts; config and sizes are checked when a trainer restores it (`GPTError.invalidState`).
    public init(
        config: GPTConfig, optimizer: AdamWConfig, parameters: [Float], adamM: [Float], adamV: [Float], step: Int,
        rngState: [UInt64]
    ) {
        self.config = config
        self.optimizer = optimizer
        self.parameters = parameters
        self.adamM = adamM
        self.adamV = adamV
        self.step = step
        self.rngState = rngState
    }
}

/// Owns a model and its AdamW state; `step(batch:)` runs forward, backward, clipping and the update.
public final class Trainer {
    /// The model being trained; its parameters change with every `step(batch:)`.
    public let model: GPT
    /// The optimiser settings, fixed at init.
    public let optimizer: AdamWConfig
    /// Threads for every kernel call of this trainer (results do not depend on it).
    public var threads: Int
    /// Optimiser steps taken so far.
    public private(set) var completedSteps = 0
    /// A generator for the caller's random choices (e.g. batch order); saved and restored with the state.
    public var rng: SeededRNG
    /// Global gradient norm of the last step, before clipping.
    public private(set) var lastGradNorm: Double = 0
    let m: FloatBuffer  // (P)
    let v: FloatBuffer  // (P)
    let decayMask: FloatBuffer  // (P) 1 on decayed tensors

    /// A new model initialised from `seed`, with zero moments.
    public init(config: GPTConfig, optimizer: AdamWConfig = AdamWConfig(), seed: UInt64, threads: Int = 1) throws(GPTError) {
        model = try GPT(config: config, seed: seed)
        self.optimizer = optimizer
        self.threads = max(1, threads)
        rng = SeededRNG(seed: SeededRNG.derive(seed, "trainer"))
        m = FloatBuffer(count: model.parameterCount)
        v = FloatBuffer(count: model.parameterCount)
        decayMask = FloatBuffer(count: model.parameterCount)
        for t in model.namedTensors() where GPT.isDecayed(shape: t.shape) {
            for i in t.range { decayMask.pointer[i] = 1 }
        }
    }

    /// A trainer continuing from a saved state.
    public convenience init(state: TrainerState, threads: Int = 1) throws(GPTError) {
        try self.init(config: state.config, optimizer: state.optimizer, seed: 0, threads: threads)
        try restore(state)
    }

    /// One optimiser step on `batch`; returns the batch's mean masked loss (before the update).
    @discardableResult
    public func step(batch: Batch) throws(GPTError) -> Float {
        let loss = try model.forward(batch: batch, threads: threads)
        model.zeroGrad()
        try model.backward(threads: threads)
        let n = model.parameterCount
        lastGradNorm = AdamW.globalNorm(model.grads.pointer, count: n)
        var scale: Float = 1
        if let clip = optimizer.gradClip, lastGradNorm > Double(clip) {
            scale = Float(Double(clip) / (lastGradNorm + 1e-6))
        }
        let lr = optimizer.schedule.rate(atStep: completedSteps)
        completedSteps += 1
        AdamW.update(
            params: model.params.pointer, grads: model.grads.pointer, m: m.pointer, v: v.pointer,
            decayMask: decayMask.pointer, count: n, lr: lr, step: completedSteps, gradScale: scale,
            config: optimizer, threads: threads)
        return loss
    }

    /// A copy of the complete training state.
    public func state() -> TrainerState {
        TrainerState(
            config: model.config, optimizer: optimizer, parameters: model.parameters, adamM: m.array, adamV: v.array,
            step: completedSteps, rngState: rng.stateWords)
    }

    /// Restores a state saved by `state()` for the same config.
    public func restore(_ state: TrainerState) throws(GPTError) {
        guard state.config == model.config else {
            throw .invalidState("the state's config \(state.config) differs from this trainer's \(model.config)")
        }
        let n = model.parameterCount
        guard state.parameters.count == n, state.adamM.count == n, state.adamV.count == n else {
            throw .invalidState(
                "expected \(n) parameters and moments, got \(state.parameters.count)/\(state.adamM.count)/"
                    + "\(state.adamV.count); the checkpoint does not belong to this model config")
        }
        guard state.step >= 0 else { throw .invalidState("negative step \(state.step)") }
        let restoredRNG: SeededRNG
        do { restoredRNG = try SeededRNG(stateWords: state.rngState) } catch {
            throw .invalidState("RNG state must be four words, not all zero")
        }
        try model.setParameters(state.parameters)
        m.assign(state.adamM)
        v.assign(state.adamV)
        completedSteps = state.step
        rng = restoredRNG
    }
}
