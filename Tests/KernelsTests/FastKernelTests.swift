import Kernels
import Testing

/// The fast Float kernels against the Double oracle, forward and backward, at 1 and 2 threads.
@Suite("Fast kernels match the naive oracle")
struct FastKernelTests {
    /// Float kernels vs Double oracle: a few float ulps amplified by sums of ~100 terms.
    let tolerance = 1e-4

    @Test(arguments: [1, 2])
    func encoder(threads: Int) {
        var d = Draw(11)
        let B = 3, T = 5, C = 8, V = 6, maxT = 7
        let tokens = d.tokens(B * T, below: V)
        let wte = d.doubles(V * C), wpe = d.doubles(maxT * C), r = d.doubles(B * T * C)
        let out = withBuffers([[Float](repeating: 0, count: B * T * C), toFloat(wte), toFloat(wpe)]) { p in
            tokens.withUnsafeBufferPointer { t in
                Encoder.forward(out: p[0], tokens: t.baseAddress!, positionOffsets: nil, wte: p[1], wpe: p[2],
                                B: B, T: T, C: C, threads: threads)
            }
        }[0]
        let grads = withBuffers([[Float](repeating: 0, count: V * C), [Float](repeating: 0, count: maxT * C), toFloat(r)]) { p in
            tokens.withUnsafeBufferPointer { t in
                Encoder.backward(dwte: p[0], dwpe: p[1], dout: p[2], tokens: t.baseAddress!, B: B, T: T, C: C, threads: threads)
            }
        }
        let ref = Naive.encoderBackward(dout: r, tokens: tokens, B: B, T: T, C: C, V: V, maxT: maxT)
        let err = [
            relativeError(toDouble(out), Naive.encoderForward(tokens: tokens, wte: wte, wpe: wpe, B: B, T: T, C: C)),
            relativeError(toDouble(grads[0]), ref.dwte), relativeError(toDouble(grads[1]), ref.dwpe),
        ].max()!
        print("encoder fast vs naive max rel err \(err)")
        #expect(err < tolerance)
    }

    @Test(arguments: [1, 2])
    func layerNorm(threads: Int) {
        var d = Draw(12)
        let N = 9, C = 20
        let x = d.doubles(N * C, scale: 3), w = d.doubles(C), b = d.doubles(C), r = d.doubles(N * C)
        let res = withBuffers([
            [Float](repeating: 0, count: N * C), [Float](repeating: 0, count: N), [Float](repeating: 0, count: N),
            toFloat(x), toFloat(w), toFloat(b), [Float](repeating: 0, count: N * C), [Float](repeating: 0, count: C),
            [Float](repeating: 0, count: C), toFloat(r),
        ]) { p in
            LayerNorm.forward(out: p[0], mean: p[1], rstd: p[2], inp: p[3], weight: p[4], bias: p[5], N: N, C: C, threads: threads)
            LayerNorm.backward(dinp: p[6], dweight: p[7], dbias: p[8], dout: p[9], inp: p[3], weight: p[4], mean: p[1],
                               rstd: p[2], N: N, C: C, threads: threads)
        }
        let ref = Naive.layerNormBackward(dout: r, inp: x, weight: w, N: N, C: C)
        let err = [
            relativeError(toDouble(res[0]), Naive.layerNormForward(inp: x, weight: w, bias: b, N: N, C: C)),
            relativeError(toDouble(res[6]), ref.dinp), relativeError(toDouble(res[7]), ref.dweight),
            relativeError(toDouble(res[8]), ref.dbias),
        ].max()!
        print("layernorm fast vs naive max rel err \(err)")
        #expect(err < tolerance)
    }

    @Test(arguments: [1, 2])
    func matmul(threads: Int) {
        var d = Draw(13)
        let N = 33, IC = 24, OC = 40
        let x = d.doubles(N * IC), w = d.doubles(OC * IC), b = d.doubles(OC), r = d.doubles(N * OC)
        let res = withBuffers([
            [Float](repeating: 0, count: N * OC), toFloat(x), toFloat(w), toFloat(b),
            [Float](repeating: 0, count: N * IC), [Float](repeating: 0, count: OC * IC), [Float](repeating: 0, count: OC),
            toFloat(r),
        ]) { p in
            Matmul.forward(out: p[0], inp: p[1], weight: p[2], bias: p[3], N: N, IC: IC, OC: OC, threads: threads)
            Matmul.backward(dinp: p[4], dweight: p[5], dbias: p[6], dout: p[7], inp: p[1], weight: p[2],
                            N: N, IC: IC, OC: OC, threads: threads)
        }
        let ref = Naive.matmulBackward(dout: r, inp: x, weight: w, N: N, IC: IC, OC: OC)
        let err = [
            relativeError(toDouble(res[0]), Naive.matmulForward(inp: x, weight: w, bias: b, N: N, IC: IC, OC: OC)),
            relativeError(toDouble(res[4]), ref.dinp), relativeError(toDouble(res[5]), ref.dweight),
            relativeError(toDouble(res[6]), ref.dbias),
        ].max()!
        print("matmul fast vs naive max rel err \(err)")
        #expect(err < tolerance)
    }

    @Test(arguments: [(1, nil), (2, nil), (2, [5, 1, 7] as [Int32])])
    func attention(threads: Int, lengths: [Int32]?) {
        var d = Draw(14)
        let B = 3, T = 7, C = 12, NH = 3
        let qkv = d.doubles(B * T * 3 * C), r = d.doubles(B * T * C)
        let res = withBuffers([
            [Float](repeating: 0, count: B * T * C), [Float](repeating: 0, count: B * NH * T * T), toFloat(qkv),
            [Float](repeating: 0, count: B * T * 3 * C), toFloat(r), [Float](repeating: 0, count: threads * T * T),
        ]) { p in
            optionalPointer(lengths) { l in
                Attention.forward(out: p[0], att: p[1], qkv: p[2], lengths: l, B: B, T: T, C: C, NH: NH, threads: threads)
            }
            Attention.backward(dqkv: p[3], dout: p[4], qkv: p[2], att: p[1], scratch: p[5], B: B, T: T, C: C, NH: NH,
                               threads: threads)
        }
        let errOut = relativeError(toDouble(res[0]), Naive.attentionForward(qkv: qkv, lengths: lengths, B: B, T: T, C: C, NH: NH))
        let errProbs = relativeError(toDouble(res[1]), Naive.attentionProbs(qkv: qkv, lengths: lengths, B: B, T: T, C: C, NH: NH))
        let errGrad = relativeError(toDouble(res[3]), Naive.attentionBackward(dout: r, qkv: qkv, lengths: lengths, B: B, T: T, C: C, NH: NH))
        let err = max(errOut, errProbs, errGrad)
        print("attention fast vs naive max rel err \(err)")
        #expect(err < tolerance)
    }

    @Test(arguments: [1, 2])
    func gelu(threads: Int) {
        var d = Draw(15)
        let n = 1000
        let x = d.doubles(n, scale: 3), r = d.doubles(n)
        let res = withBuffers([[Float](repeating: 0, count: n), toFloat(x), [Float](repeating: 0, count: n), toFloat(r)]) { p in
            GELU.forward(out: p[0], inp: p[1], count: n, threads: threads)
            GELU.backward(dinp: p[2], dout: p[3], inp: p[1], count: n, threads: threads)
        }
        // The training path: forward saves gelu′, backward multiplies by it.
        let saved = withBuffers([[Float](repeating: 0, count: n), [Float](repeating: 0, count: n), toFloat(x),
                                 [Float](repeating: 0, count: n), toFloat(r)]) { p in
            GELU.forward(out: p[0], derivative: p[1], inp: p[2], count: n, threads: threads)
            GELU.backward(dinp: p[3], dout: p[4], derivative: p[1], count: n, threads: threads)
        }
        #expect(saved[0] == res[0])
        let err = max(relativeError(toDouble(res[0]), Naive.geluForward(x)),
                      relativeError(toDouble(res[2]), Naive.geluBackward(dout: r, inp: x)),
                      relativeError(toDouble(saved[3]), Naive.geluBackward(dout: r, inp: x)))
        print("gelu fast vs naive max rel err \(err)")
        #expect(err < 1e-6)
    }

    @Test(arguments: [1, 2])
    func crossEntropy(threads: Int) {
        var d = Draw(16)
        let N = 10, V = 13
        let logits = d.doubles(N * V, scale: 3)
        let targets = d.tokens(N, below: V)
        let mask: [Double] = [1, 1, 0, 1, 0, 0, 1, 1, 1, 0]
        var loss: Float = 0
        let res = withBuffers([[Float](repeating: 0, count: N), toFloat(logits), toFloat(mask), [Float](repeating: 0, count: N * V)]) { p in
            targets.withUnsafeBufferPointer { t in
                loss = CrossEntropy.forward(losses: p[0], logits: p[1], targets: t.baseAddress!, mask: p[2], N: N, V: V, threads: threads)
                CrossEntropy.backward(dlogits: p[3], logits: p[1], targets: t.baseAddress!, mask: p[2], N: N, V: V, threads: threads)
            }
        }
        let refLoss = Naive.crossEntropyForward(logits: logits, targets: targets, mask: mask, N: N, V: V)
        let errLoss = abs(Double(loss) - refLoss) / refLoss
        let errGrad = relativeError(toDouble(res[3]), Naive.crossEntropyBackward(logits: logits, targets: targets, mask: mask, N: N, V: V))
        print("cross-entropy fast vs naive: loss rel err \(errLoss), grad max rel err \(errGrad)")
        #expect(errLoss < 1e-6)
        #expect(errGrad < tolerance)
    }
}

func optionalPointer<R>(_ array: [Int32]?, _ body: (UnsafePointer<Int32>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}
