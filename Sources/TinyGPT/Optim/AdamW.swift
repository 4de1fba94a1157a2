import Kernels

/// AdamW hyper-parameters (defaults as the benchmark: torch.optim.AdamW with betas 0.9/0.95, weight decay 0.1).
public struct AdamWConfig: Codable, Sendable, Hashable {
    /// Learning rate per step; default a constant 1e-3.
    public var schedule: LRSchedule = .constant(1e-3)
    /// Decay rate of the first-moment (mean) estimate.
    public var beta1: Float = 0.9
    /// Decay rate of the second-moment (squared gradient) estimate.
    public var beta2: Float = 0.95
    /// Added to √v̂ in the denominator to avoid division by zero.
    public var epsilon: Float = 1e-8
    /// Decoupled weight decay, applied to matrices and embeddings only (never to biases or norm gains).
    public var weightDecay: Float = 0.1
    /// Global gradient-norm clip; nil disables clipping.
    public var gradClip: Float? = 1.0

    /// Defaults as the properties: constant 1e-3, betas 0.9/0.95, ε 1e-8, weight decay 0.1, clip at norm 1.
    public init(
        schedule: LRSchedule = .constant(1e-3), beta1: Float = 0.9, beta2: Float = 0.95, epsilon: Float = 1e-8,
        weightDecay: Float = 0.1, gradClip: Float? = 1.0
    ) {
        self.schedule = schedule
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.gradClip = gradClip
    }
}

/// AdamW in torch's form: p ← p·(1 − lr·wd); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
/// p ← p − lr · (m/(1−β₁ᵗ)) / (√v/√(1−β₂ᵗ) + ε). Elementwise, split over threads (results thread-independent).
public enum AdamW {
    /// One update of every parameter. `decayMask` (P) is 1 where weight decay applies, 0 elsewhere; `step` is
    /// 1-based (bias correction); `gradScale` multiplies the gradients (clipping).
    /// - Parameters: params, grads, m, v, decayMask all (P)
    public static func update(
        params: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
        v: UnsafeMutablePointer<Float>, decayMask: UnsafePointer<Float>, count: Int, lr: Float, step: Int,
        gradScale: Float, config: AdamWConfig, threads: Int
    ) {
        let b1 = config.beta1, b2 = config.beta2, eps = config.epsilon, wd = config.weightDecay
        let bc1 = 1 - Float(Double(b1).power(step))
        let bc2Sqrt = (1 - Float(Double(b2).power(step))).squareRoot()
        let stepSize = lr / bc1
        Parallel.forEachChunk(count: count, threads: threads) { r in
            for i in r {
                let g = grads[i] * gradScale
                let mi = b1 * m[i] + (1 - b1) * g
                let vi = b2 * v[i] + (1 - b2) * g * g
                m[i] = mi
                v[i] = vi
                var p = params[i] * (1 - lr * wd * decayMask[i])
                p -= stepSize * mi / (vi.squareRoot() / bc2Sqrt + eps)
                params[i] = p
            }
        }
    }

    /// √(Σ g²) in Double, summed in a fixed order (thread-count independent).
    public static func globalNorm(_ grads: UnsafePointer<Float>, count: Int) -> Double {
        var total = 0.0
        var i = 0
        while i < count {
            let end = min(i + 4096, count)
            var partial: Float = 0  // short runs in Float, then accumulate in Double
            for j in i..<end { partial += grads[j] * grads[j] }
            total += Double(partial)
            i = end
        }
        return total.squareRoot()
    }
}

extension Double {
    /// self^n for a non-negative integer n by repeated squaring (exact order, no libm).
    func power(_ n: Int) -> Double {
        var result = 1.0, base = self, e = n
        while e > 0 {
            if e & 1 == 1 { result *= base }
            base *= base
            e >>= 1
        }
        return result
    }
}
