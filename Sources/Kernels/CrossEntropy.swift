#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Softmax cross-entropy with a per-token loss mask: loss = Σₙ mask[n] · (−log softmax(logits[n])[target[n]]) / Σ mask.
/// Tokens with mask 0 (prompt, padding) contribute nothing to the loss or the gradient.
public enum CrossEntropy {
    /// Writes per-token losses and returns the masked mean (0 when the mask is all zero).
    /// - Parameters: losses (N) −log p(target), 0 where mask is 0; logits (N,V); targets (N), read only where
    ///   mask ≠ 0 (padding may carry any id); mask (N)
    @discardableResult
    public static func forward(
        losses: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
        mask: UnsafePointer<Float>, N: Int, V: Int, threads: Int
    ) -> Float {
        Parallel.forEachChunk(count: N, threads: threads) { rows in
            for n in rows {
                if mask[n] == 0 {
                    losses[n] = 0
                    continue
                }
                let l = logits + n * V
                let maxv = FastMath.max(l, V)
                losses[n] = maxv + logf(expSum(l, V, shift: maxv)) - l[Int(targets[n])]
            }
        }
        // Sequential sums in a fixed order (deterministic), in Double to keep large batches exact enough.
        var total = 0.0, weight = 0.0
        for n in 0..<N where mask[n] != 0 {
            total += Double(mask[n]) * Double(losses[n])
            weight += Double(mask[n])
        }
        return weight > 0 ? Float(total / weight) : 0
    }

    /// dlogits = mask[n] / Σ mask · (softmax(logits[n]) − onehot(target[n])) (overwritten), the gradient of the
    /// masked mean. Rows with mask 0 get zeros.
    /// - Parameters: dlogits (N,V), logits (N,V), targets (N), mask (N)
    public static func backward(
        dlogits: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
        mask: UnsafePointer<Float>, N: Int, V: Int, threads: Int
    ) {
        var weight = 0.0
        for n in 0..<N { weight += Double(mask[n]) }
        let invWeight = weight > 0 ? Float(1 / weight) : 0
        Parallel.forEachChunk(count: N, threads: threads) { rows in
            for n in rows {
                let l = logits + n * V, d = dlogits + n * V
                let w = mask[n] * invWeight
                if w == 0 {
                    d.update(repeating: 0, count: V)
                    continue
                }
                d.update(from: l, count: V)
                let sum = Attention.expShiftedInPlace(d, count: V, shift: FastMath.max(l, V))
                let scale = w / sum
                for v in 0..<V { d[v] *= scale }
                d[Int(targets[n])] -= w
            }
        }
    }
}

extension CrossEntropy {
    /// Σ e^(x[i] − shift) for i < n with the same eight-lane partial sums as `Attention.expShiftedInPlace`, so the
    /// loss and its gradient see the same normaliser.
    @inline(__always)
    static func expSum(_ x: UnsafePointer<Float>, _ n: Int, shift: Float) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            acc += FastMath.exp(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - shift)
            i += 8
        }
        var sum = acc.sum()
        while i < n {
            sum += FastMath.exp(x[i] - shift)
            i += 1
        }
        return sum
    }
}

/// Softmax of one row, for sampling: probs = softmax(logits / temperature).
public enum Softmax {
    /// - Parameters: probs (V), logits (V); temperature > 0
    public static func forward(
        probs: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>, V: Int, temperature: Float = 1
    ) {
        let invT = 1 / temperature
        var maxv = -Float.infinity
        for v in 0..<V { maxv = max(maxv, logits[v]) }
        var sum: Float = 0
        for v in 0..<V {
            let e = FastMath.exp((logits[v] - maxv) * invT)
            probs[v] = e
            sum += e
        }
        let inv = 1 / sum
        for v in 0..<V { probs[v] *= inv }
    }
}
