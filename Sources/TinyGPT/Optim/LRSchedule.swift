#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Learning rate as a function of the optimiser step (0-based: the rate used by the step about to run).
public enum LRSchedule: Codable, Sendable, Hashable {
    /// The same rate for every step.
    case constant(Float)
    /// Linear warm-up from peak/warmupSteps to `peak` over `warmupSteps` steps, then a cosine decay to `minimum`
    /// at `totalSteps`; `minimum` afterwards.
    case warmupCosine(peak: Float, minimum: Float, warmupSteps: Int, totalSteps: Int)

    /// The rate for 0-based `step`; warm-up starts at peak/warmupSteps (never 0).
    public func rate(atStep step: Int) -> Float {
        switch self {
        case .constant(let lr):
            return lr
        case .warmupCosine(let peak, let minimum, let warmup, let total):
            if step < warmup { return peak * Float(step + 1) / Float(warmup) }
            if step >= total { return minimum }
            let progress = Double(step - warmup) / Double(max(1, total - warmup))
            let cosine = 0.5 * (1 + cos(Double.pi * progress))
            return minimum + Float(cosine) * (peak - minimum)
        }
    }
}
