import Kernels

/// Preallocated forward activations and backward scratch for up to `capacityRows` = B·T rows and
/// `capacityAtt` = B·NH·T·T attention weights. Buffers are laid out densely for the current (B,T) inside regions
/// sized for the capacity, so a smaller batch reuses the same memory.
final class Activations {
    struct Layer {
        var ln1, ln1Mean, ln1Rstd, qkv, atty, att, res1, ln2, ln2Mean, ln2Rstd, fc, gelu, geluGrad, res2: UnsafeMutablePointer<Float>
    }

    let capacityRows: Int
    let capacityAtt: Int
    let storage: FloatBuffer
    let encoded: UnsafeMutablePointer<Float>  // (B,T,C) block 0 input
    let layers: [Layer]
    let lnf, lnfMean, lnfRstd, logits, losses: UnsafeMutablePointer<Float>  // (B,T,C) (B,T) (B,T) (B,T,V) (B,T)
    // Backward scratch, shared by all layers.
    let dres, dln, datty, dqkv, dfc, dlogits: UnsafeMutablePointer<Float>  // (N,C) (N,C) (N,C) (N,3C) (N,4C) (N,V)
    private(set) var attScratch: FloatBuffer  // (threads,T,T)
    /// Two partial weight gradients of the largest matrix, for `Matmul.backward(scratch:)`.
    let weightGradScratch: FloatBuffer  // (2, max(H,V,3C)·C)

    init(config: GPTConfig, rows N: Int, attention A: Int) {
        capacityRows = N
        capacityAtt = A
        let C = config.dModel, V = config.vocabSize, H = config.mlpRatio * C
        let perLayer = N * (8 * C + 3 * H + 4) + A
        let total = N * C + config.layers * perLayer + N * (C + 3 + V) + N * (6 * C + H + V)
        storage = FloatBuffer(count: total)
        var next = storage.pointer
        func take(_ n: Int) -> UnsafeMutablePointer<Float> {
            defer { next += n }
            return next
        }
        encoded = take(N * C)
        var layers: [Layer] = []
        for _ in 0..<config.layers {
            layers.append(
                Layer(
                    ln1: take(N * C), ln1Mean: take(N), ln1Rstd: take(N), qkv: take(3 * N * C), atty: take(N * C),
                    att: take(A), res1: take(N * C), ln2: take(N * C), ln2Mean: take(N), ln2Rstd: take(N),
                    fc: take(N * H), gelu: take(N * H), geluGrad: take(N * H), res2: take(N * C)))
        }
        self.layers = layers
        lnf = take(N * C)
        lnfMean = take(N)
        lnfRstd = take(N)
        logits = take(N * V)
        losses = take(N)
        dres = take(N * C)
        dln = take(N * C)
        datty = take(N * C)
        dqkv = take(3 * N * C)
        dfc = take(N * H)
        dlogits = take(N * V)
        precondition(next - storage.pointer <= total, "activation layout overflow")
        attScratch = FloatBuffer(count: 0)
        weightGradScratch = FloatBuffer(count: 2 * max(H, V, 3 * C) * C)
    }

    /// Per-thread T×T scratch for attention backward.
    func attentionScratch(threads: Int, T: Int) -> UnsafeMutablePointer<Float> {
        if attScratch.count < threads * T * T { attScratch = FloatBuffer(count: threads * T * T) }
        return attScratch.pointer
    }
}

extension GPT {
    /// Makes sure activations for B×T are allocated (call once with the largest shape to avoid reallocations).
    public func reserve(batchSize B: Int, length T: Int) {
        let rows = B * T, att = B * config.heads * T * T
        if let a = acts, a.capacityRows >= rows, a.capacityAtt >= att { return }
        acts = Activations(
            config: config, rows: max(rows, acts?.capacityRows ?? 0), attention: max(att, acts?.capacityAtt ?? 0))
    }
}
