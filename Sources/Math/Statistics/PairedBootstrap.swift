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
        let n = a.count
        guard n > 0, b.count == n, resamples > 0 else { return nil }
        // Per question: +1 (only b right), −1 (only a right), 0 (both or neither).
        let delta = (0..<n).map { (b[$0] ? 1 : 0) - (a[$0] ? 1 : 0) }
        let observed = Double(delta.reduce(0, +)) / Double(n)
        var rng = SeededRNG(seed: SeededRNG.derive(seed, "paired-bootstrap"))
        var differences = [Double](repeating: 0, count: resamples)
        for r in 0..<resamples {
            var sum = 0
            for _ in 0..<n { sum += delta[rng.nextInt(below: n)] }
            differences[r] = Double(sum) / Double(n)
        }
        differences.sort()
        let alpha = (1 - confidence) / 2
        return (observed, percentile(differences, alpha), percentile(differences, 1 - alpha))
    }

    /// The `q` quantile of sorted values, interpolating linearly between neighbours.
    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let below = Int(position.rounded(.down)), above = min(below + 1, sorted.count - 1)
        let weight = position - Double(below)
        return sorted[below] * (1 - weight) + sorted[above] * weight
    }
}
