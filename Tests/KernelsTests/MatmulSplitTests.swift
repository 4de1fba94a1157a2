import Kernels
import Testing

/// `Matmul.backward(scratch:)` sums the weight gradient over two fixed halves of the rows: it must match the oracle,
/// accumulate into an existing gradient, and give the same bits with 1 and 2 threads.
@Suite("Matmul weight gradient over two row halves")
struct MatmulSplitTests {
    @Test(arguments: [(33, 24, 40), (2, 8, 16), (1, 8, 8), (130, 16, 48)])
    func splitWeightGradientMatchesOracle(N: Int, IC: Int, OC: Int) {
        var d = Draw(41)
        let x = d.doubles(N * IC), w = d.doubles(OC * IC), r = d.doubles(N * OC), start = d.doubles(OC * IC)
        func run(threads: Int) -> [[Float]] {
            withBuffers([
                toFloat(x), toFloat(w), toFloat(r), [Float](repeating: 0, count: N * IC), toFloat(start),
                [Float](repeating: 0, count: OC), [Float](repeating: .nan, count: 2 * OC * IC),
            ]) { p in
                Matmul.backward(dinp: p[3], dweight: p[4], dbias: p[5], dout: p[2], inp: p[0], weight: p[1],
                                N: N, IC: IC, OC: OC, scratch: p[6], threads: threads)
            }
        }
        let one = run(threads: 1), two = run(threads: 2)
        let ref = Naive.matmulBackward(dout: r, inp: x, weight: w, N: N, IC: IC, OC: OC)
        let expectedWeight = zip(start, ref.dweight).map { $0 + $1 }
        let err = max(relativeError(toDouble(one[4]), expectedWeight), relativeError(toDouble(one[3]), ref.dinp),
                      relativeError(toDouble(one[5]), ref.dbias))
        print("matmul backward with row halves N=\(N): max rel err \(err)")
        #expect(err < 1e-4)
        #expect(one[3] == two[3] && one[4] == two[4] && one[5] == two[5])
    }
}
