import LemaCore

/// The paired bootstrap of a difference in accuracy between two models that answered the same questions: resample
/// the questions (with replacement), keep each question's pair of outcomes together, and take the percentile
/// interval of the resampled differences. Deterministic for a seed.
public enum PairedBootstrap {
    /// accuracy(b) − accuracy(a) with its two-sided `confidence` percentile interval over `resamples` resamples.
    /// `a` and `b` are per-question correctness in the same question order (equal lengths; nil when empty or
    /// unequal).
    public static func differenceInterval(_ a: [Bool], _ b: [Bool], resamples: Int = 10_000,
                                          confidence: Double = 0.95, seed: UInt64 = 0)
        -> (difference: Double, lower: Double, upper: Double)?
    {
        guard b.count == a.count else { return nil }
        return meanInterval(zip(a, b).map { Double(($1 ? 1 : 0) - ($0 ? 1 : 0)) }, resamples: resamples,
                            confidence: confidence, seed: seed)
    }

    /// The mean of per-question `differences` with its two-sided `confidence` percentile interval, resampling the
    /// questions. With several seeds per question, a question's difference is its mean over the seeds, so all of a
    /// question's seeds move together (the questions are the shared, resampled unit). Nil when empty.
    public static func meanInterval(_ differences: [Double], resamples: Int = 10_000, confidence: Double = 0.95,
                                    seed: UInt64 = 0) -> (difference: Double, lower: Double, upper: Double)? {
        let n = differences.count
        guard n > 0, resamples > 0 else { return nil }
        let observed = differences.reduce(0, +) / Double(n)
        var rng = SeededRNG(seed: SeededRNG.derive(seed, "paired-bootstrap"))
        var means = [Double](repeating: 0, count: resamples)
        for r in 0..<resamples {
            var sum = 0.0
            for _ in 0..<n { sum += differences[rng.nextInt(below: n)] }
            means[r] = sum / Double(n)
        }
        means.sort()
        let alpha = (1 - confidence) / 2
        return (observed, percentile(means, alpha), percentile(means, 1 - alpha))
    }

    /// The `q` quantile of sorted values, interpolating linearly between neighbours.
    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let below = Int(position.rounded(.down)), above = min(below + 1, sorted.count - 1)
        let weight = position - Double(below)
        return sorted[below] * (1 - weight) + sorted[above] * weight
    }
}
