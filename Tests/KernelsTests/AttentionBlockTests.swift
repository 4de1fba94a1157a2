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
}
