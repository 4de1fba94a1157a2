import Kernels
import Testing

/// The causal attention GEMMs run per block of `Attention.queryBlock` queries against only the keys the block can
/// see; these shapes span several blocks (and a partial last one), which the small-T tests never reach.
@Suite("Attention over several causal query blocks")
struct AttentionBlockTests {
    @Test(arguments: [
        (64, nil), (70, nil), (70, [70, 45] as [Int32]), (41, [3, 41] as [Int32]),
    ] as [(Int, [Int32]?)])
    func blockedAttentionMatchesOracle(T: Int, lengths: [Int32]?) {
        var d = Draw(31)
        let B = 2, C = 16, NH = 2
        let qkv = d.doubles(B * T * 3 * C), r = d.doubles(B * T * C)
        func run(threads: Int) -> [[Float]] {
            withBuffers([
                [Float](repeating: 0, count: B * T * C), [Float](repeating: 0, count: B * NH * T * T), toFloat(qkv),
                [Float](repeating: 0, count: B * T * 3 * C), toFloat(r), [Float](repeating: 0, count: threads * T * T),
            ]) { p in
                optionalPointer(lengths) { l in
                    Attention.forward(out: p[0], att: p[1], qkv: p[2], lengths: l, B: B, T: T, C: C, NH: NH, threads: threads)
                }
                Attention.backward(dqkv: p[3], dout: p[4], qkv: p[2], att: p[1], scratch: p[5], B: B, T: T, C: C,
                                   NH: NH, threads: threads)
            }
        }
        let one = run(threads: 1), two = run(threads: 2)
        let errOut = relativeError(toDouble(one[0]), Naive.attentionForward(qkv: qkv, lengths: lengths, B: B, T: T, C: C, NH: NH))
        let errProbs = relativeError(toDouble(one[1]), Naive.attentionProbs(qkv: qkv, lengths: lengths, B: B, T: T, C: C, NH: NH))
        let errGrad = relativeError(
            toDouble(one[3]), Naive.attentionBackward(dout: r, qkv: qkv, lengths: lengths, B: B, T: T, C: C, NH: NH))
        print("blocked attention T=\(T) vs naive: out \(errOut), probs \(errProbs), grad \(errGrad)")
        #expect(max(errOut, errProbs, errGrad) < 1e-4)
        #expect(one[0] == two[0] && one[1] == two[1] && one[3] == two[3])
    }

    /// Decode with a head size the SIMD dot product covers (hd = 16) over a cache longer than one block.
    @Test func decodeMatchesFullAttentionOverLongCache() {
        var d = Draw(32)
        let B = 2, T = 40, C = 32, NH = 2, hd = C / NH, maxT = 48
        let qkv = toFloat(d.doubles(B * T * 3 * C))
        let full = withBuffers([[Float](repeating: 0, count: B * T * C), [Float](repeating: 0, count: B * NH * T * T), qkv]) { p in
            Attention.forward(out: p[0], att: p[1], qkv: p[2], lengths: nil, B: B, T: T, C: C, NH: NH, threads: 1)
        }[0]
        var stepped = [Float](repeating: 0, count: B * T * C)
        _ = withBuffers([
            [Float](repeating: 0, count: B * NH * maxT * hd), [Float](repeating: 0, count: B * NH * maxT * hd),
            [Float](repeating: 0, count: B * 3 * C), [Float](repeating: 0, count: B * C), [Float](repeating: 0, count: 2 * maxT),
        ]) { p in
            for t in 0..<T {
                for b in 0..<B { for c in 0..<(3 * C) { p[2][b * 3 * C + c] = qkv[(b * T + t) * 3 * C + c] } }
                let positions = [Int32](repeating: Int32(t), count: B)
                positions.withUnsafeBufferPointer { pos in
                    Attention.decode(out: p[3], qkv: p[2], kCache: p[0], vCache: p[1], positions: pos.baseAddress!,
                                     scratch: p[4], B: B, C: C, NH: NH, maxT: maxT, threads: 2)
                }
                for b in 0..<B { for c in 0..<C { stepped[(b * T + t) * C + c] = p[3][b * C + c] } }
            }
        }
        let err = relativeError(toDouble(stepped), toDouble(full))
        print("decode (hd 16) vs full attention over 40 positions: max rel err \(err)")
        #expect(err < 1e-5)
    }
}
