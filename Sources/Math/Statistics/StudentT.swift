import Foundation

/// Student's t distribution: the interval for a mean of a few replicates (seeds), where the normal approximation
/// is far too narrow (three seeds: t = 4.30, not 1.96).
public enum StudentT {
    /// The mean of `values` with its two-sided `confidence` interval (mean ± t · s/√n). Nil for fewer than two values
    /// (no spread can be estimated).
    public static func meanInterval(_ values: [Double], confidence: Double = 0.95)
        -> (mean: Double, lower: Double, upper: Double)?
    {
        let n = values.count
        guard n >= 2 else { return nil }
        let mean = values.reduce(0, +) / Double(n)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        let half = quantile(0.5 + confidence / 2, degreesOfFreedom: Double(n - 1)) * (variance / Double(n)).squareRoot()
        return (mean, mean - half, mean + half)
    }

    /// P(T ≤ t) for `degreesOfFreedom` ν: through the regularized incomplete beta function,
    /// P(|T| > |t|) = I_{ν/(ν+t²)}(ν/2, 1/2).
    public static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        let tail = 0.5 * IncompleteBeta.regularized(x: nu / (nu + t * t), a: nu / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// The `p` quantile (0 < p < 1), by bisection on `cdf` (monotone; 200 halvings reach the double's precision).
    public static func quantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        guard p > 0, p < 1 else { return p <= 0 ? -.infinity : .infinity }
        if p == 0.5 { return 0 }
        var low = -1.0, high = 1.0
        while cdf(low, degreesOfFreedom: nu) > p { low *= 2 }
        while cdf(high, degreesOfFreedom: nu) < p { high *= 2 }
        for _ in 0..<200 {
            let mid = (low + high) / 2
            if mid == low || mid == high { break }
            if cdf(mid, degreesOfFreedom: nu) < p { low = mid } else { high = mid }
        }
        return (low + high) / 2
    }
}

/// The regularized incomplete beta function I_x(a, b), by its continued fraction (Lentz's method), used on the side
/// where it converges fast.
enum IncompleteBeta {
    static func regularized(x: Double, a: Double, b: Double) -> Double {
        guard x > 0 else { return 0 }
        guard x < 1 else { return 1 }
        let logBeta: Double = lgamma(a) + lgamma(b) - lgamma(a + b)
        let logPowers: Double = a * log(x) + b * log(1 - x)
        let logFront = logPowers - logBeta
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(x: x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * continuedFraction(x: 1 - x, a: b, b: a) / b
    }

    private static func continuedFraction(x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300, epsilon = 1e-15
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var result = d
        for m in 1...500 {
            let m = Double(m)
            // Even step.
            var term = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + term * d
            if abs(d) < tiny { d = tiny }
            c = 1 + term / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            result *= d * c
            // Odd step.
            term = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + term * d
            if abs(d) < tiny { d = tiny }
            c = 1 + term / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            result *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return result
    }
}
