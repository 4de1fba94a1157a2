import Foundation
import Testing
@testable import Math

/// The statistics behind paired comparisons of models, against values computed by hand (exact binomial sums) and
/// published t tables.
@Suite struct StatisticsTests {
    /// p = 2 · Σ_{i ≤ min(b,c)} C(b+c, i) / 2^(b+c), capped at 1.
    @Test(arguments: [
        (0, 0, 1.0), (1, 6, 0.125), (5, 0, 0.0625), (3, 3, 1.0),
        (10, 25, 0.01667384780012071), (40, 60, 0.05688793364098079),
    ] as [(Int, Int, Double)])
    func mcNemarExactPValue(b: Int, c: Int, p: Double) {
        #expect(abs(McNemar.exactPValue(b: b, c: c) - p) < 1e-12)
        #expect(McNemar.exactPValue(b: b, c: c) == McNemar.exactPValue(b: c, c: b))
    }

    @Test func mcNemarStaysFiniteForThousandsOfPairs() {
        let p = McNemar.exactPValue(b: 2000, c: 2150)
        #expect(p > 0 && p < 0.05)
        #expect(McNemar.exactPValue(b: 5000, c: 5000) == 1)
    }

    /// Two-sided 95% critical values t(0.975, ν) from standard tables.
    @Test(arguments: [
        (1.0, 12.706204736174698), (2, 4.302652729749464), (3, 3.182446305284263), (4, 2.7764451051977934),
        (10, 2.2281388519862744), (30, 2.0422724563012373), (1000, 1.9623390808264078),
    ] as [(Double, Double)])
    func tQuantiles(nu: Double, t: Double) {
        #expect(abs(StudentT.quantile(0.975, degreesOfFreedom: nu) - t) < 1e-9)
        #expect(abs(StudentT.quantile(0.025, degreesOfFreedom: nu) + t) < 1e-9)
        #expect(abs(StudentT.cdf(t, degreesOfFreedom: nu) - 0.975) < 1e-12)
    }

    @Test func meanIntervalOfThreeSeeds() throws {
        let interval = try #require(StudentT.meanInterval([1, 2, 3]))
        let half = 4.302652729749464 / 3.0.squareRoot()  // s = 1, n = 3
        #expect(interval.mean == 2)
        #expect(abs(interval.lower - (2 - half)) < 1e-9 && abs(interval.upper - (2 + half)) < 1e-9)
        #expect(StudentT.meanInterval([0.4]) == nil)
        let flat = try #require(StudentT.meanInterval([0.5, 0.5, 0.5]))
        #expect(flat.lower == 0.5 && flat.upper == 0.5)
    }

    @Test func pairedBootstrapIsDeterministicAndPaired() throws {
        let same = Array(repeating: [true, false, true], count: 20).flatMap { $0 }
        let zero = try #require(PairedBootstrap.differenceInterval(same, same, resamples: 500))
        #expect(zero.difference == 0 && zero.lower == 0 && zero.upper == 0)
        #expect(PairedBootstrap.differenceInterval([true], [true, false]) == nil)
        #expect(PairedBootstrap.differenceInterval([], []) == nil)

        // b is right on 10 of 100 questions that a gets wrong, and otherwise agrees: every resample favours b.
        let a = (0..<100).map { $0 % 2 == 0 }
        var b = a
        for i in stride(from: 1, to: 20, by: 2) { b[i] = true }
        let better = try #require(PairedBootstrap.differenceInterval(a, b, resamples: 2000, seed: 7))
        #expect(abs(better.difference - 0.1) < 1e-12)
        #expect(better.lower > 0 && better.lower < 0.1 && better.upper > 0.1)
        let again = try #require(PairedBootstrap.differenceInterval(a, b, resamples: 2000, seed: 7))
        #expect(again.lower == better.lower && again.upper == better.upper)

        // Mixed: 12 questions only b gets, 8 only a gets — the interval spans 0.
        var c = a
        for i in stride(from: 1, to: 24, by: 2) { c[i] = true }
        for i in stride(from: 0, to: 16, by: 2) { c[i] = false }
        let mixed = try #require(PairedBootstrap.differenceInterval(a, c, resamples: 2000, seed: 7))
        #expect(abs(mixed.difference - 0.04) < 1e-12)
        #expect(mixed.lower < 0 && mixed.upper > 0.04)
    }

    /// The bootstrap of per-question differences averaged over seeds (how the report pools seeds).
    @Test func meanIntervalOfRealValuedDifferences() throws {
        // Every question the same: no spread at all.
        let flat = try #require(PairedBootstrap.meanInterval([0.5, 0.5, 0.5], resamples: 200))
        #expect(flat.difference == 0.5 && flat.lower == 0.5 && flat.upper == 0.5)
        // Two questions, differences 0 and 1: a resample's mean is 0, ½ or 1 with chances ¼, ½, ¼, so the 2.5%
        // and 97.5% quantiles of 10,000 resamples are 0 and 1.
        let two = try #require(PairedBootstrap.meanInterval([0, 1], resamples: 10_000, seed: 3))
        #expect(two.difference == 0.5 && two.lower == 0 && two.upper == 1)
        #expect(PairedBootstrap.meanInterval([]) == nil)
        // Booleans are the special case of ±1/0 differences: the same numbers for the same seed.
        let a = (0..<50).map { $0 % 3 == 0 }, b = (0..<50).map { $0 % 2 == 0 }
        let booleans = try #require(PairedBootstrap.differenceInterval(a, b, resamples: 1000, seed: 9))
        let reals = try #require(PairedBootstrap.meanInterval(zip(a, b).map { Double(($1 ? 1 : 0) - ($0 ? 1 : 0)) },
                                                              resamples: 1000, seed: 9))
        #expect(booleans == reals)
    }
}
