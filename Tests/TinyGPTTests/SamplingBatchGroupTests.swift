import LemaCore
import Testing
import TinyGPT

/// Batches of 32 rows or more decode in fixed groups of 16 rows, one group per thread (see `GPT.decodeRowGroup`);
/// smaller batches split each kernel instead. Both paths must agree with recomputation and ignore the thread count.
@Suite("Sampling: grouped decode of large batches")
struct SamplingBatchGroupTests {
    /// 36 prompts: two full groups and a partial one.
    static let prompts: [[Int32]] = (0..<36).map { (r: Int) -> [Int32] in
        (0...(r % 5)).map { (i: Int) -> Int32 in Int32((r * 7 + i * 3) % 13) }
    }

    @Test func groupedGreedyKVEqualsNoCacheAndThreadCount() throws {
        let m = try SamplingTests.model()
        let kv1 = try Sampler.generate(model: m, prompts: Self.prompts, options: .greedy(maxNewTokens: 10), threads: 1)
        let kv2 = try Sampler.generate(model: m, prompts: Self.prompts, options: .greedy(maxNewTokens: 10), threads: 2)
        var slow = SamplingOptions.greedy(maxNewTokens: 10)
        slow.useKVCache = false
        let nc = try Sampler.generate(model: m, prompts: Self.prompts, options: slow, threads: 2)
        #expect(kv1.tokens == nc.tokens)
        #expect(kv1.tokens == kv2.tokens && kv1.logProbs == kv2.logProbs)
        let lpDiff = zip(kv1.logProbs.joined(), nc.logProbs.joined()).map { abs($0 - $1) }.max() ?? 0
        #expect(lpDiff < 1e-5)
        #expect(Set(kv1.tokens.joined()).count > 2)
    }

    /// Temperature sampling of a large batch: each row equals the same row sampled in a small batch (which takes
    /// the per-kernel path), given the same row seed.
    @Test func groupedRowsMatchSmallBatchRows() throws {
        let m = try SamplingTests.model()
        let opts = SamplingOptions(maxNewTokens: 8, temperature: 1, seed: 5)
        let seeds = Self.prompts.indices.map { UInt64(100 + $0) }
        let big = try Sampler.generate(model: m, prompts: Self.prompts, options: opts, threads: 2, rowSeeds: seeds)
        for r in [0, 17, 35] {
            let small = try Sampler.generate(model: m, prompts: [Self.prompts[r]], options: opts, threads: 1,
                                             rowSeeds: [seeds[r]])
            #expect(small.tokens[0] == big.tokens[r])
        }
    }
}
