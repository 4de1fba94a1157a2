import Kernels
import TinyGPT

/// The whole model written with the Double `Naive` ops: loss and parameter gradients, the oracle for `GPT`.
enum NaiveGPT {
    static func lossAndGradients(
        config: GPTConfig, layout: ParameterLayout, params: [Double], batch: Batch
    ) -> (loss: Double, grads: [Double]) {
        let B = batch.batchSize, T = batch.length, N = B * T
        let C = config.dModel, V = config.vocabSize, NH = config.heads, H = config.mlpRatio * C
        func slice(_ offset: Int, _ n: Int) -> [Double] { Array(params[offset..<(offset + n)]) }
        var grads = [Double](repeating: 0, count: params.count)
        func addGrad(_ offset: Int, _ g: [Double]) { for i in g.indices { grads[offset + i] += g[i] } }
        let mask = batch.lossMask.map(Double.init)
        let lengths = batch.validLengths

        // forward, keeping every intermediate
        let wte = slice(layout.wte, V * C)
        var x = Naive.encoderForward(tokens: batch.tokens, wte: wte, wpe: slice(layout.wpe, config.contextLength * C), B: B, T: T, C: C)
        struct Saved { var input, ln1, qkv, atty, res1, ln2, fc, gelu: [Double] }
        var saved: [Saved] = []
        for w in layout.blocks {
            let ln1 = Naive.layerNormForward(inp: x, weight: slice(w.ln1Weight, C), bias: slice(w.ln1Bias, C), N: N, C: C)
            let qkv = Naive.matmulForward(inp: ln1, weight: slice(w.qkvWeight, 3 * C * C), bias: slice(w.qkvBias, 3 * C), N: N, IC: C, OC: 3 * C)
            let atty = Naive.attentionForward(qkv: qkv, lengths: lengths, B: B, T: T, C: C, NH: NH)
            let proj = Naive.matmulForward(inp: atty, weight: slice(w.projWeight, C * C), bias: slice(w.projBias, C), N: N, IC: C, OC: C)
            let res1 = zip(x, proj).map(+)
            let ln2 = Naive.layerNormForward(inp: res1, weight: slice(w.ln2Weight, C), bias: slice(w.ln2Bias, C), N: N, C: C)
            let fc = Naive.matmulForward(inp: ln2, weight: slice(w.fcWeight, H * C), bias: slice(w.fcBias, H), N: N, IC: C, OC: H)
            let gelu = Naive.geluForward(fc)
            let fc2 = Naive.matmulForward(inp: gelu, weight: slice(w.fc2Weight, C * H), bias: slice(w.fc2Bias, C), N: N, IC: H, OC: C)
            saved.append(Saved(input: x, ln1: ln1, qkv: qkv, atty: atty, res1: res1, ln2: ln2, fc: fc, gelu: gelu))
            x = zip(res1, fc2).map(+)
        }
        let lnfW = slice(layout.lnfWeight, C)
        let lnf = Naive.layerNormForward(inp: x, weight: lnfW, bias: slice(layout.lnfBias, C), N: N, C: C)
        let logits = Naive.matmulForward(inp: lnf, weight: wte, bias: nil, N: N, IC: C, OC: V)
        let loss = Naive.crossEntropyForward(logits: logits, targets: batch.targets, mask: mask, N: N, V: V)

        // backward
        let dlogits = Naive.crossEntropyBackward(logits: logits, targets: batch.targets, mask: mask, N: N, V: V)
        let head = Naive.matmulBackward(dout: dlogits, inp: lnf, weight: wte, N: N, IC: C, OC: V)
        addGrad(layout.wte, head.dweight)
        let f = Naive.layerNormBackward(dout: head.dinp, inp: x, weight: lnfW, N: N, C: C)
        addGrad(layout.lnfWeight, f.dweight)
        addGrad(layout.lnfBias, f.dbias)
        var dx = f.dinp
        for l in stride(from: config.layers - 1, through: 0, by: -1) {
            let w = layout.blocks[l], s = saved[l]
            let m2 = Naive.matmulBackward(dout: dx, inp: s.gelu, weight: slice(w.fc2Weight, C * H), N: N, IC: H, OC: C)
            addGrad(w.fc2Weight, m2.dweight)
            addGrad(w.fc2Bias, m2.dbias)
            let dfc = Naive.geluBackward(dout: m2.dinp, inp: s.fc)
            let m1 = Naive.matmulBackward(dout: dfc, inp: s.ln2, weight: slice(w.fcWeight, H * C), N: N, IC: C, OC: H)
            addGrad(w.fcWeight, m1.dweight)
            addGrad(w.fcBias, m1.dbias)
            let n2 = Naive.layerNormBackward(dout: m1.dinp, inp: s.res1, weight: slice(w.ln2Weight, C), N: N, C: C)
            addGrad(w.ln2Weight, n2.dweight)
            addGrad(w.ln2Bias, n2.dbias)
            let dres1 = zip(dx, n2.dinp).map(+)
            let pj = Naive.matmulBackward(dout: dres1, inp: s.atty, weight: slice(w.projWeight, C * C), N: N, IC: C, OC: C)
            addGrad(w.projWeight, pj.dweight)
            addGrad(w.projBias, pj.dbias)
            let dqkv = Naive.attentionBackward(dout: pj.dinp, qkv: s.qkv, lengths: lengths, B: B, T: T, C: C, NH: NH)
            let q = Naive.matmulBackward(dout: dqkv, inp: s.ln1, weight: slice(w.qkvWeight, 3 * C * C), N: N, IC: C, OC: 3 * C)
            addGrad(w.qkvWeight, q.dweight)
            addGrad(w.qkvBias, q.dbias)
            let n1 = Naive.layerNormBackward(dout: q.dinp, inp: s.input, weight: slice(w.ln1Weight, C), N: N, C: C)
            addGrad(w.ln1Weight, n1.dweight)
            addGrad(w.ln1Bias, n1.dbias)
            dx = zip(dres1, n1.dinp).map(+)
        }
        let e = Naive.encoderBackward(dout: dx, tokens: batch.tokens, B: B, T: T, C: C, V: V, maxT: config.contextLength)
        addGrad(layout.wte, e.dwte)
        addGrad(layout.wpe, e.dwpe)
        return (loss, grads)
    }
}
