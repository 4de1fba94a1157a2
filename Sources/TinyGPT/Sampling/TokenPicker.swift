#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Kernels
import LemaCore

/// Chooses one token from a row of logits according to the options; reuses its scratch between calls.
struct TokenPicker {
    let options: SamplingOptions
    let vocab: Int
    var probs: [Float]
    var order: [Int]

    init(options: SamplingOptions, vocab: Int) {
        self.options = options
        self.vocab = vocab
        probs = [Float](repeating: 0, count: vocab)
        order = Array(0..<vocab)
    }

    /// Returns (token, log p under the unmodified model). Exactly one RNG draw per call when sampling, none when
    /// greedy, so each row's stream depends only on its own seed and step.
    mutating func pick(_ logits: UnsafePointer<Float>, rng: inout SeededRNG) -> (Int32, Float) {
        let V = vocab
        var maxv = -Float.infinity
        for i in 0..<V { maxv = max(maxv, logits[i]) }
        var sumExp = 0.0
        for i in 0..<V { sumExp += Double(exp(logits[i] - maxv)) }
        let logZ = Double(maxv) + log(sumExp)
        func logProb(_ t: Int) -> Float { Float(Double(logits[t]) - logZ) }

        if options.temperature == 0 {
            var best = 0
            for i in 1..<V where logits[i] > logits[best] { best = i }
            return (Int32(best), logProb(best))
        }
        probs.withUnsafeMutableBufferPointer { p in
            Softmax.forward(probs: p.baseAddress!, logits: logits, V: V, temperature: options.temperature)
        }
        var keep = V
        if options.topK != nil || options.topP != nil {
            // Most likely first, ties by lower id (a total order: deterministic).
            for i in 0..<V { order[i] = i }
            let pr = probs
            order.sort { pr[$0] != pr[$1] ? pr[$0] > pr[$1] : $0 < $1 }
            if let k = options.topK { keep = min(keep, k) }
            if let topP = options.topP {
                var cumulative: Float = 0
                for r in 0..<keep {
                    cumulative += probs[order[r]]
                    if cumulative >= topP {
                        keep = r + 1
                        break
                    }
                }
            }
            var kept = [Bool](repeating: false, count: V)
            for r in 0..<keep { kept[order[r]] = true }
            for i in 0..<V where !kept[i] { probs[i] = 0 }
        }
        var total = 0.0
        for i in 0..<V { total += Double(probs[i]) }
        let u = rng.nextDouble() * total
        var acc = 0.0
        var chosen = -1
        for i in 0..<V where probs[i] > 0 {
            acc += Double(probs[i])
            chosen = i
            if u < acc { break }
        }
        let token = max(chosen, 0)
        return (Int32(token), logProb(token))
    }
}
