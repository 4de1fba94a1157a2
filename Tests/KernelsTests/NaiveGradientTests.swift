import Kernels
import Testing

/// The oracle itself: every naive backward against central finite differences of the naive forward (Double).
@Suite("Naive ops: backward equals finite differences")
struct NaiveGradientTests {
    let tolerance = 1e-6

    @Test func encoder() {
        // Linear op: check via the loss Σ out·R against the table gradients.
        var d = Draw(1)
        let B = 2, T = 3, C = 4, V = 5, maxT = 4
        let tokens: [Int32] = [0, 3, 3, 1, 4, 0]
        let wte = d.doubles(V * C), wpe = d.doubles(maxT * C), r = d.doubles(B * T * C)
        let (dwte, dwpe) = Naive.encoderBackward(dout: r, tokens: tokens, B: B, T: T, C: C, V: V, maxT: maxT)
        let nte = numericGradient(wte) { dotD(Naive.encoderForward(tokens: tokens, wte: $0, wpe: wpe, B: B, T: T, C: C), r) }
        let npe = numericGradient(wpe) { dotD(Naive.encoderForward(tokens: tokens, wte: wte, wpe: $0, B: B, T: T, C: C), r) }
        let err = max(relativeError(dwte, nte), relativeError(dwpe, npe))
        print("naive encoder max rel err \(err)")
        #expect(err < tolerance)
    }

    @Test func layerNorm() {
        var d = Draw(2)
        let N = 3, C = 6
        let x = d.doubles(N * C), w = d.doubles(C), b = d.doubles(C), r = d.doubles(N * C)
        let g = Naive.layerNormBackward(dout: r, inp: x, weight: w, N: N, C: C)
        let nx = numericGradient(x) { dotD(Naive.layerNormForward(inp: $0, weight: w, bias: b, N: N, C: C), r) }
        let nw = numericGradient(w) { dotD(Naive.layerNormForward(inp: x, weight: $0, bias: b, N: N, C: C), r) }
        let nb = numericGradient(b) { dotD(Naive.layerNormForward(inp: x, weight: w, bias: $0, N: N, C: C), r) }
        let err = [relativeError(g.dinp, nx), relativeError(g.dweight, nw), relativeError(g.dbias, nb)].max()!
        print("naive layernorm max rel err \(err)")
        #expect(err < tolerance)
    }

    @Test func matmul() {
        var d = Draw(3)
        let N = 4, IC = 5, OC = 3
        let x = d.doubles(N * IC), w = d.doubles(OC * IC), b = d.doubles(OC), r = d.doubles(N * OC)
        let g = Naive.matmulBackward(dout: r, inp: x, weight: w, N: N, IC: IC, OC: OC)
        let nx = numericGradient(x) { dotD(Naive.matmulForward(inp: $0, weight: w, bias: b, N: N, IC: IC, OC: OC), r) }
        let nw = numericGradient(w) { dotD(Naive.matmulForward(inp: x, weight: $0, bias: b, N: N, IC: IC, OC: OC), r) }
        let nb = numericGradient(b) { dotD(Naive.matmulForward(inp: x, weight: w, bias: $0, N: N, IC: IC, OC: OC), r) }
        let err = [relativeError(g.dinp, nx), relativeError(g.dweight, nw), relativeError(g.dbias, nb)].max()!
        print("naive matmul max rel err \(err)")
        #expect(err < tolerance)
    }

    @Test(arguments: [nil, [3, 2] as [Int32]])
    func attention(lengths: [Int32]?) {
        var d = Draw(4)
        let B = 2, T = 4, C = 6, NH = 2
        let qkv = d.doubles(B * T * 3 * C), r = d.doubles(B * T * C)
        let g = Naive.attentionBackward(dout: r, qkv: qkv, lengths: lengths, B: B, T: T, C: C, NH: NH)
        let n = numericGradient(qkv) { dotD(Naive.attentionForward(qkv: $0, lengths: lengths, B: B, T: T, C: C, NH: NH), r) }
        let err = relativeError(g, n)
        print("naive attention (lengths \(String(describing: lengths))) max rel err \(err)")
        #expect(err < tolerance)
    }

    @Test func gelu() {
        var d = Draw(5)
        let x = d.doubles(20, scale: 2), r = d.doubles(20)
        let g = Naive.geluBackward(dout: r, inp: x)
        let n = numericGradient(x) { dotD(Naive.geluForward($0), r) }
        let err = relativeError(g, n)
        print("naive gelu max rel err \(err)")
        #expect(err < tolerance)
    }

    @Test func crossEntropy() {
        var d = Draw(6)
        let N = 5, V = 7
        let logits = d.doubles(N * V, scale: 2)
        let targets: [Int32] = [0, 6, 3, 3, 1]
        let mask: [Double] = [1, 0, 1, 1, 0]
        let g = Naive.crossEntropyBackward(logits: logits, targets: targets, mask: mask, N: N, V: V)
        let n = numericGradient(logits) { Naive.crossEntropyForward(logits: $0, targets: targets, mask: mask, N: N, V: V) }
        let err = relativeError(g, n)
        print("naive cross-entropy max rel err \(err)")
        #expect(err < tolerance)
        // Masked rows get no gradient at all.
        #expect(g[(1 * V)..<(2 * V)].allSatisfy { $0 == 0 })
    }
}
