import LemaCore
import Testing
import TinyGPT

@Suite("Sampling: KV cache equals recomputation; options; determinism")
struct SamplingTests {
    static let config = GPTConfig(vocabSize: 13, contextLength: 24, layers: 2, dModel: 16, heads: 2)

    /// A random model with weights scaled up so its distributions are far from uniform (no near-ties).
    static func model(seed: UInt64 = 1) throws -> GPT {
        let m = try GPT(config: config, seed: seed)
        try m.setParameters(m.parameters.map { $0 == 1 ? 1 : $0 * 40 })
        return m
    }

    static let prompts: [[Int32]] = [[1, 2, 3, 4, 5], [7], [12, 0, 3], [4, 4, 4, 4, 4, 4, 4, 4]]

    @Test func kvCacheLogitsEqualFullRecomputation() throws {
        let m = try Self.model()
        let B = 2, T = 10, V = Self.config.vocabSize, P = 4
        var rng = SeededRNG(seed: 3)
        let seq = (0..<(B * T)).map { _ in Int32(rng.nextInt(below: V)) }
        let full = try m.logits(tokens: seq, batchSize: B, length: T, threads: 2)  // (B,T,V)
        let cache = m.makeKVCache(batchSize: B)
        let prompt = (0..<B).flatMap { b in seq[(b * T)..<(b * T + P)] }
        let pre = try m.prefill(cache: cache, tokens: prompt, length: P, threads: 2)  // (B,P,V)
        var worst: Float = 0
        for b in 0..<B {
            for t in 0..<P {
                for v in 0..<V { worst = max(worst, abs(pre[(b * P + t) * V + v] - full[(b * T + t) * V + v])) }
            }
        }
        for t in P..<T {
            let step = try m.decode(cache: cache, tokens: (0..<B).map { seq[$0 * T + t] },
                                    positions: [Int32](repeating: Int32(t), count: B), threads: 2)
            for b in 0..<B {
                for v in 0..<V { worst = max(worst, abs(step[b * V + v] - full[(b * T + t) * V + v])) }
            }
        }
        print("KV-cache vs full logits: max |diff| \(worst)")
        #expect(worst < 1e-5)
    }

    @Test(arguments: [1, 2])
    func greedyKVEqualsNoCache(threads: Int) throws {
        let m = try Self.model()
        let kv = try Sampler.generate(model: m, prompts: Self.prompts, options: .greedy(maxNewTokens: 12), threads: threads)
        var slow = SamplingOptions.greedy(maxNewTokens: 12)
        slow.useKVCache = false
        let nc = try Sampler.generate(model: m, prompts: Self.prompts, options: slow, threads: threads)
        #expect(kv.tokens == nc.tokens)
        #expect(kv.tokens.allSatisfy { $0.count == 12 })
        let lpDiff = zip(kv.logProbs.joined(), nc.logProbs.joined()).map { abs($0 - $1) }.max() ?? 0
        #expect(lpDiff < 1e-5)
        // The tokens are not trivially constant.
        #expect(Set(kv.tokens.joined()).count > 2)
    }

    /// A row's continuation does not depend on its batch-mates (padding is masked, seeds are per row).
    @Test func rowsAreIndependentOfTheBatch() throws {
        let m = try Self.model()
        let opts = SamplingOptions(maxNewTokens: 10, temperature: 0.8, topK: 5, seed: 11)
        let batch = try Sampler.generate(model: m, prompts: Self.prompts, options: opts, threads: 2)
        for r in Self.prompts.indices {
            let seed = SeededRNG.derive(11, "row", String(r))
            let alone = try Sampler.generate(model: m, prompts: [Self.prompts[r]], options: opts, threads: 1, rowSeeds: [seed])
            #expect(alone.tokens[0] == batch.tokens[r], "row \(r)")
        }
        #expect(try Sampler.generate(model: m, prompts: Self.prompts, options: opts, threads: 1) == batch)
        var other = opts
        other.seed = 12
        #expect(try Sampler.generate(model: m, prompts: Self.prompts, options: other, threads: 1).tokens != batch.tokens)
    }

    @Test func temperatureSamplingKVEqualsNoCache() throws {
        let m = try Self.model()
        var opts = SamplingOptions(maxNewTokens: 10, temperature: 1, topP: 0.9, seed: 5)
        let kv = try Sampler.generate(model: m, prompts: Self.prompts, options: opts, threads: 2)
        opts.useKVCache = false
        let nc = try Sampler.generate(model: m, prompts: Self.prompts, options: opts, threads: 2)
        #expect(kv.tokens == nc.tokens)
    }

    @Test func topKOneIsGreedyAndLogProbsAreModelLogProbs() throws {
        let m = try Self.model()
        let g = try Sampler.generate(model: m, prompts: Self.prompts, options: .greedy(maxNewTokens: 6), threads: 1)
        let k1 = try Sampler.generate(model: m, prompts: Self.prompts, options: SamplingOptions(maxNewTokens: 6, topK: 1, seed: 3), threads: 1)
        #expect(g.tokens == k1.tokens)
        // log p of the first generated token of row 0, recomputed from the full forward.
        let p = Self.prompts[0]
        let logits = try m.logits(tokens: p, batchSize: 1, length: p.count, threads: 1)
        let last = Array(logits[((p.count - 1) * 13)...]).map(Double.init)
        let mx = last.max()!
        let lse = mx + libmLog(last.map { libmExp($0 - mx) }.reduce(0, +))
        let expected = last[Int(g.tokens[0][0])] - lse
        #expect(abs(Double(g.logProbs[0][0]) - expected) < 1e-5)
        #expect(g.logProbs.joined().allSatisfy { $0 <= 0 })
    }

    @Test func stopTokensSequencesAndCallback() throws {
        let m = try Self.model()
        let free = try Sampler.generate(model: m, prompts: [Self.prompts[0]], options: .greedy(maxNewTokens: 10), threads: 1)
        let seq = free.tokens[0]
        var o = SamplingOptions.greedy(maxNewTokens: 10)
        o.stopTokens = [seq[3]]
        let firstIndex = seq.firstIndex(of: seq[3])!
        let byToken = try Sampler.generate(model: m, prompts: [Self.prompts[0]], options: o, threads: 1)
        #expect(byToken.tokens[0] == Array(seq[...firstIndex]))
        #expect(byToken.finishReasons == [.stopToken])
        o.stopTokens = []
        o.stopSequences = [Array(seq[4...5])]
        let bySeq = try Sampler.generate(model: m, prompts: [Self.prompts[0]], options: o, threads: 1)
        #expect(bySeq.tokens[0].count <= 6 && bySeq.tokens[0].suffix(2) == seq[4...5])
        #expect(bySeq.finishReasons == [.stopSequence])
        let byCallback = try Sampler.generate(model: m, prompts: [Self.prompts[0]], options: .greedy(maxNewTokens: 10), threads: 1) { _, generated in
            generated.count == 2
        }
        #expect(byCallback.tokens[0] == Array(seq[..<2]))
        #expect(byCallback.finishReasons == [.stopCallback])
        #expect(free.finishReasons == [.maxTokens])
    }

    @Test func contextLimitAndBadRequests() throws {
        let m = try Self.model()
        let long = [Int32](repeating: 1, count: 20)
        let r = try Sampler.generate(model: m, prompts: [long], options: .greedy(maxNewTokens: 50), threads: 1)
        #expect(r.tokens[0].count == 4)  // 24 positions − 20 prompt tokens
        #expect(r.finishReasons == [.contextFull])
        #expect(throws: GPTError.self) { try Sampler.generate(model: m, prompts: [[]], options: .greedy(), threads: 1) }
        #expect(throws: GPTError.self) { try Sampler.generate(model: m, prompts: [[99]], options: .greedy(), threads: 1) }
        #expect(throws: GPTError.self) {
            try Sampler.generate(model: m, prompts: [[1]], options: SamplingOptions(topP: 1.5), threads: 1)
        }
    }
}

#if canImport(Glibc)
import Glibc
func libmLog(_ x: Double) -> Double { Glibc.log(x) }
func libmExp(_ x: Double) -> Double { Glibc.exp(x) }
#else
import Darwin
func libmLog(_ x: Double) -> Double { Darwin.log(x) }
func libmExp(_ x: Double) -> Double { Darwin.exp(x) }
#endif
