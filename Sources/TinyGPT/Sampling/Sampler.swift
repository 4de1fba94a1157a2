import Kernels
import LemaCore

/// Batched generation. With the cache (default): one prefill over the right-padded prompts, then one-token decode
/// steps where each row writes and attends at its own position. Without it: every step re-runs the full (padded)
/// sequences — the reference path the cache is tested against.
public enum Sampler {
    /// Generates a continuation for each prompt.
    /// - Parameters:
    ///   - prompts: token ids per row (each non-empty)
    ///   - rowSeeds: one seed per row (so a row's sample does not depend on its batch-mates); default derived from
    ///     `options.seed` and the row index
    ///   - shouldStop: called after each new token with (row, generated tokens so far); return true to finish the
    ///     row (e.g. the tokenizer decodes and checks stop strings)
    ///   - onToken: called after each new token, once its row's fate is decided, with (row, generated tokens so far,
    ///     their log p, why the row finished or nil while it goes on): lets a caller stream rows as they grow. The
    ///     arrays are lent for the call only (keeping them would copy them on the next token).
    public static func generate(
        model: GPT, prompts: [[Int32]], options: SamplingOptions, threads: Int, rowSeeds: [UInt64]? = nil,
        shouldStop: ((Int, [Int32]) -> Bool)? = nil,
        onToken: ((Int, [Int32], [Float], FinishReason?) -> Void)? = nil
    ) throws(GPTError) -> SampleResult {
        try options.validate()
        let B = prompts.count, V = model.config.vocabSize, maxT = model.config.contextLength
        guard B > 0 else { return SampleResult(tokens: [], logProbs: [], finishReasons: []) }
        guard prompts.allSatisfy({ !$0.isEmpty }) else { throw .invalidSampling("every prompt needs at least one token") }
        guard let longest = prompts.map(\.count).max(), longest < maxT else {
            throw .invalidSampling("a prompt fills the whole context (\(maxT) positions); shorten it")
        }
        for (r, prompt) in prompts.enumerated() where prompt.contains(where: { $0 < 0 || Int($0) >= V }) {
            throw .invalidSampling("prompt \(r) has a token id outside the vocabulary 0..<\(V)")
        }
        if let rowSeeds, rowSeeds.count != B {
            throw .invalidSampling("rowSeeds has \(rowSeeds.count) entries for \(B) prompts")
        }
        var rngs = (0..<B).map { b in SeededRNG(seed: rowSeeds?[b] ?? SeededRNG.derive(options.seed, "row", String(b))) }
        var picker = TokenPicker(options: options, vocab: V)
        var out = [[Int32]](repeating: [], count: B)
        var logProbs = [[Float]](repeating: [], count: B)
        var finish = [FinishReason?](repeating: nil, count: B)
        var lengths = prompts.map { Int32($0.count) }  // current sequence length per row
        let budget = min(options.maxNewTokens, maxT - longest)

        // Appends `token` to row b and decides whether the row is finished.
        func accept(_ b: Int, _ token: Int32, _ logp: Float) {
            out[b].append(token)
            logProbs[b].append(logp)
            lengths[b] += 1
            if options.stopTokens.contains(token) {
                finish[b] = .stopToken
            } else if options.stopSequences.contains(where: { !$0.isEmpty && out[b].ends(with: $0) }) {
                finish[b] = .stopSequence
            } else if let shouldStop, shouldStop(b, out[b]) {
                finish[b] = .stopCallback
            } else if out[b].count >= options.maxNewTokens {
                finish[b] = .maxTokens
            } else if Int(lengths[b]) >= maxT {
                finish[b] = .contextFull
            }
            onToken?(b, out[b], logProbs[b], finish[b])
        }
        guard budget > 0 else {
            return SampleResult(tokens: out, logProbs: logProbs, finishReasons: finish.map { _ in .maxTokens })
        }

        if options.useKVCache {
            // only what is reachable
            let cache = model.makeKVCache(batchSize: B, maxLength: min(maxT, longest + budget), threads: threads)
            var padded = [Int32](repeating: 0, count: B * longest)  // (B,longest), right-padded with id 0
            for b in 0..<B { for (t, id) in prompts[b].enumerated() { padded[b * longest + t] = id } }
            let logits = try model.prefill(cache: cache, tokens: padded, length: longest, validLengths: lengths, threads: threads)
            logits.withUnsafeBufferPointer { l in
                for b in 0..<B {
                    let (tok, lp) = picker.pick(l.baseAddress! + (b * longest + Int(lengths[b]) - 1) * V, rng: &rngs[b])
                    accept(b, tok, lp)
                }
            }
            var tokens = [Int32](repeating: 0, count: B)  // (B) the token each row feeds next
            var positions = [Int32](repeating: 0, count: B)  // (B) where it goes
            while finish.contains(where: { $0 == nil }) {
                for b in 0..<B {
                    tokens[b] = out[b].last ?? 0
                    // A finished row keeps rewriting its last slot; its outputs are ignored.
                    positions[b] = min(lengths[b] - 1, Int32(cache.maxLength - 1))
                }
                tokens.withUnsafeBufferPointer { t in
                    positions.withUnsafeBufferPointer { p in
                        model.decodeStep(cache: cache, tokens: t.baseAddress!, positions: p.baseAddress!, threads: threads)
                    }
                }
                for b in 0..<B where finish[b] == nil {
                    let (tok, lp) = picker.pick(cache.logits + b * V, rng: &rngs[b])
                    accept(b, tok, lp)
                }
            }
        } else {
            model.reserve(batchSize: B, length: min(maxT, longest + budget))
            while finish.contains(where: { $0 == nil }) {
                let T = Int(lengths.max() ?? 1)
                var padded = [Int32](repeating: 0, count: B * T)  // (B,T)
                for b in 0..<B {
                    for (t, id) in (prompts[b] + out[b]).enumerated() { padded[b * T + t] = id }
                }
                let logits = try model.logits(tokens: padded, batchSize: B, length: T, validLengths: lengths, threads: threads)
                logits.withUnsafeBufferPointer { l in
                    for b in 0..<B where finish[b] == nil {
                        let (tok, lp) = picker.pick(l.baseAddress! + (b * T + Int(lengths[b]) - 1) * V, rng: &rngs[b])
                        accept(b, tok, lp)
                    }
                }
            }
        }
        return SampleResult(tokens: out, logProbs: logProbs, finishReasons: finish.map { $0 ?? .maxTokens })
    }
}

extension Array where Element == Int32 {
    func ends(with suffix: [Int32]) -> Bool {
        suffix.count <= count && Array(self[(count - suffix.count)...]) == suffix
    }
}
