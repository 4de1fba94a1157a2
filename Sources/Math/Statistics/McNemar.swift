import Foundation

/// McNemar's exact test for two models answering the same questions: only the discordant questions count —
/// `b` that the first got right and the second wrong, `c` the other way round. Under "the models are equally
/// good" each discordant question is a fair coin, so the two-sided p-value is that of a binomial(b + c, 1/2)
/// count at least as far from the middle as min(b, c).
public enum McNemar {
    /// The two-sided exact p-value (1 when there is no discordant question).
    public static func exactPValue(b: Int, c: Int) -> Double {
        let n = b + c
        guard n > 0 else { return 1 }
        let k = min(b, c)
        // Σ_{i ≤ k} C(n, i) / 2^n, summed in log space so that thousands of discordant pairs do not overflow.
        var logTerms: [Double] = []
        logTerms.reserveCapacity(k + 1)
        for i in 0...k { logTerms.append(logChoose(n, i) - Double(n) * M_LN2) }
        let largest = logTerms.max() ?? 0
        let tail = exp(largest) * logTerms.reduce(0) { $0 + exp($1 - largest) }
        return min(1, 2 * tail)
    }

    /// ln C(n, k).
    static func logChoose(_ n: Int, _ k: Int) -> Double {
        lgamma(Double(n) + 1) - lgamma(Double(k) + 1) - lgamma(Double(n - k) + 1)
    }
}
