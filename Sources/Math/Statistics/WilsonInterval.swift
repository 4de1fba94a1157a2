/// The Wilson score interval for a binomial proportion: unlike the normal approximation it stays inside [0, 1] and
/// behaves at 0 and n successes, which matters for the small evaluation sets of a miniature experiment.
public struct WilsonInterval: Codable, Sendable, Hashable {
    /// Lower bound, in [0, 1].
    public let lower: Double
    /// Upper bound, in [0, 1].
    public let upper: Double

    /// z for a two-sided 95% interval.
    public static let z95 = 1.959963984540054

    /// The interval for `successes` out of `total` at the given z (default 95%). With `total == 0` the interval is
    /// the whole [0, 1]: nothing is known.
    public init(successes: Int, total: Int, z: Double = WilsonInterval.z95) {
        guard total > 0 else { lower = 0; upper = 1; return }
        let n = Double(total)
        let p = Double(min(max(successes, 0), total)) / n
        let z2 = z * z
        let denominator = 1 + z2 / n
        let centre = (p + z2 / (2 * n)) / denominator
        let half = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot() / denominator
        // At 0 or n successes the bound is exactly 0 or 1 mathematically; do not let rounding say otherwise.
        lower = successes <= 0 ? 0 : max(0, centre - half)
        upper = successes >= total ? 1 : min(1, centre + half)
    }
}
