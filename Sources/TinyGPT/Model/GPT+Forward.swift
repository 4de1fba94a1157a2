import Kernels

extension GPT {
    /// Forward pass over a batch; returns the mean loss over masked tokens and keeps the activations for `backward`.
    public func forward(batch: Batch, threads: Int) throws(GPTError) -> Float {
        try batch.validate(for: config)
        let B = batch.batchSize, T = batch.length
        reserve(batchSize: B, length: T)
        lastBatch = batch
        return batch.tokens.withUnsafeBufferPointer { tokens in
            optionalPointer(batch.validLengths) { lengths in
                runForward(tokens: tokens.baseAddress!, lengths: lengths, B: B, T: T, cache: nil, training: true, threads: threads)
                return batch.targets.withUnsafeBufferPointer { targets in
                    batch.lossMask.withUnsafeBufferPointer { mask in
                        CrossEntropy.forward(
                            losses: acts!.losses, logits: acts!.logits, targets: targets.baseAddress!,
                            mask: mask.baseAddress!, N: B * T, V: config.vocabSize, threads: threads)
                    }
                }
            }
        }
    }

    /// The per-token losses of the last `forward` (B,T): −log p(target) where the loss mask is set, 0 elsewhere;
    /// empty before any forward. Lets a caller split the batch's loss by example (e.g. by data source).
    public var lastTokenLosses: [Float] {
        guard let batch = lastBatch, let a = acts else { return [] }
        return Array(UnsafeBufferPointer(start: a.losses, count: batch.batchSize * batch.length))
    }

    /// The layers up to the logits (B,T,V), left in the activations. When `cache` is given, keys and values of
    /// every position are also stored in it (prefill). `training` also saves what only backward needs.
    func runForward(
        tokens: UnsafePointer<Int32>, lengths: UnsafePointer<Int32>?, B: Int, T: Int, cache: KVCache?,
        training: Bool = false, threads: Int
    ) {
        guard let a = acts else { preconditionFailure("reserve(batchSize:length:) must run before runForward") }
        let C = config.dModel, V = config.vocabSize, NH = config.heads, H = config.mlpRatio * C, N = B * T
        let p = params.pointer
        Encoder.forward(
            out: a.encoded, tokens: tokens, positionOffsets: nil, wte: p + layout.wte, wpe: p + layout.wpe,
            B: B, T: T, C: C, threads: threads)
        var residual = a.encoded  // (B,T,C)
        for (l, w) in layout.blocks.enumerated() {
            let x = a.layers[l]
            LayerNorm.forward(
                out: x.ln1, mean: x.ln1Mean, rstd: x.ln1Rstd, inp: residual, weight: p + w.ln1Weight,
                bias: p + w.ln1Bias, N: N, C: C, threads: threads)
            Matmul.forward(
                out: x.qkv, inp: x.ln1, weight: p + w.qkvWeight, bias: p + w.qkvBias, N: N, IC: C, OC: 3 * C,
                threads: threads)
            if let cache {
                Attention.fillCache(
                    kCache: cache.keys[l], vCache: cache.values[l], qkv: x.qkv, B: B, T: T, C: C, NH: NH,
                    maxT: cache.maxLength, threads: threads)
            }
            Attention.forward(
                out: x.atty, att: x.att, qkv: x.qkv, lengths: lengths, B: B, T: T, C: C, NH: NH, threads: threads)
            Matmul.forward(
                out: x.res1, inp: x.atty, weight: p + w.projWeight, bias: p + w.projBias, N: N, IC: C, OC: C,
                threads: threads)
            Residual.forward(out: x.res1, a: x.res1, b: residual, count: N * C, threads: threads)
            LayerNorm.forward(
                out: x.ln2, mean: x.ln2Mean, rstd: x.ln2Rstd, inp: x.res1, weight: p + w.ln2Weight,
                bias: p + w.ln2Bias, N: N, C: C, threads: threads)
            Matmul.forward(
                out: x.fc, inp: x.ln2, weight: p + w.fcWeight, bias: p + w.fcBias, N: N, IC: C, OC: H,
                threads: threads)
            if training {
                GELU.forward(out: x.gelu, derivative: x.geluGrad, inp: x.fc, count: N * H, threads: threads)
            } else {
                GELU.forward(out: x.gelu, inp: x.fc, count: N * H, threads: threads)
            }
            Matmul.forward(
                out: x.res2, inp: x.gelu, weight: p + w.fc2Weight, bias: p + w.fc2Bias, N: N, IC: H, OC: C,
                threads: threads)
            Residual.forward(out: x.res2, a: x.res2, b: x.res1, count: N * C, threads: threads)
            residual = x.res2
        }
        LayerNorm.forward(
            out: a.lnf, mean: a.lnfMean, rstd: a.lnfRstd, inp: residual, weight: p + layout.lnfWeight,
            bias: p + layout.lnfBias, N: N, C: C, threads: threads)
        // Tied LM head: logits = lnf · wteᵀ.
        Matmul.forward(out: a.logits, inp: a.lnf, weight: p + layout.wte, bias: nil, N: N, IC: C, OC: V, threads: threads)
    }

    /// Backward pass of the last `forward`: accumulates ∂loss/∂params into `grads` (call `zeroGrad` first).
    public func backward(threads: Int) throws(GPTError) {
        guard let batch = lastBatch, let a = acts else {
            throw .invalidState("backward called without a preceding forward")
        }
        let B = batch.batchSize, T = batch.length, N = B * T
        let C = config.dModel, V = config.vocabSize, NH = config.heads, H = config.mlpRatio * C
        let p = params.pointer, g = grads.pointer
        let ws = a.weightGradScratch.pointer
        batch.tokens.withUnsafeBufferPointer { tokensBuf in
            let tokens = tokensBuf.baseAddress!
            batch.targets.withUnsafeBufferPointer { targets in
                batch.lossMask.withUnsafeBufferPointer { mask in
                    CrossEntropy.backward(
                        dlogits: a.dlogits, logits: a.logits, targets: targets.baseAddress!, mask: mask.baseAddress!,
                        N: N, V: V, threads: threads)
                }
            }
            Matmul.backward(
                dinp: a.dln, dweight: g + layout.wte, dbias: nil, dout: a.dlogits, inp: a.lnf, weight: p + layout.wte,
                N: N, IC: C, OC: V, scratch: ws, threads: threads)
            // dres is the gradient of the residual stream; layer norms add into it, so it starts at zero.
            a.dres.update(repeating: 0, count: N * C)
            let last = a.layers[config.layers - 1].res2
            LayerNorm.backward(
                dinp: a.dres, dweight: g + layout.lnfWeight, dbias: g + layout.lnfBias, dout: a.dln, inp: last,
                weight: p + layout.lnfWeight, mean: a.lnfMean, rstd: a.lnfRstd, N: N, C: C, threads: threads)
            let scratch = a.attentionScratch(threads: threads, T: T)
            for l in stride(from: config.layers - 1, through: 0, by: -1) {
                let x = a.layers[l], w = layout.blocks[l]
                let blockInput = l == 0 ? a.encoded : a.layers[l - 1].res2
                // MLP branch: res2 = res1 + fc2(gelu(fc(ln2(res1)))), so d(fc2 out) = dres.
                Matmul.backward(
                    dinp: a.dfc, dweight: g + w.fc2Weight, dbias: g + w.fc2Bias, dout: a.dres, inp: x.gelu,
                    weight: p + w.fc2Weight, N: N, IC: H, OC: C, scratch: ws, threads: threads)
                GELU.backward(dinp: a.dfc, dout: a.dfc, derivative: x.geluGrad, count: N * H, threads: threads)
                Matmul.backward(
                    dinp: a.dln, dweight: g + w.fcWeight, dbias: g + w.fcBias, dout: a.dfc, inp: x.ln2,
                    weight: p + w.fcWeight, N: N, IC: C, OC: H, scratch: ws, threads: threads)
                LayerNorm.backward(
                    dinp: a.dres, dweight: g + w.ln2Weight, dbias: g + w.ln2Bias, dout: a.dln, inp: x.res1,
                    weight: p + w.ln2Weight, mean: x.ln2Mean, rstd: x.ln2Rstd, N: N, C: C, threads: threads)
                // Attention branch: res1 = input + proj(attn(ln1(input))), so d(proj out) = dres.
                Matmul.backward(
                    dinp: a.datty, dweight: g + w.projWeight, dbias: g + w.projBias, dout: a.dres, inp: x.atty,
                    weight: p + w.projWeight, N: N, IC: C, OC: C, scratch: ws, threads: threads)
                // (The padding mask is already in the saved probabilities: masked entries are 0.)
                Attention.backward(
                    dqkv: a.dqkv, dout: a.datty, qkv: x.qkv, att: x.att, scratch: scratch, B: B, T: T, C: C,
                    NH: NH, threads: threads)
                Matmul.backward(
                    dinp: a.dln, dweight: g + w.qkvWeight, dbias: g + w.qkvBias, dout: a.dqkv, inp: x.ln1,
                    weight: p + w.qkvWeight, N: N, IC: C, OC: 3 * C, scratch: ws, threads: threads)
                LayerNorm.backward(
                    dinp: a.dres, dweight: g + w.ln1Weight, dbias: g + w.ln1Bias, dout: a.dln, inp: blockInput,
                    weight: p + w.ln1Weight, mean: x.ln1Mean, rstd: x.ln1Rstd, N: N, C: C, threads: threads)
            }
            Encoder.backward(
                dwte: g + layout.wte, dwpe: g + layout.wpe, dout: a.dres, tokens: tokens, B: B, T: T, C: C,
                threads: threads)
        }
    }
}

/// Calls `body` with a pointer to the array's elements, or nil when there is no array.
@inline(__always)
func optionalPointer<R>(_ array: [Int32]?, _ body: (UnsafePointer<Int32>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}
