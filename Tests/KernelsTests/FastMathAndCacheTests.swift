import Foundation
import Kernels
import Testing

@Suite("FastMath, decode attention, thread independence")
struct FastMathAndCacheTests {
    @Test func expAndErfMatchLibm() {
        var maxExp = 0.0, maxErf = 0.0
        for i in -4000...4000 {
            let x = Float(i) / 100  // -40 ... 40
            let e = Double(FastMath.exp(x)), ref = Foundation.exp(Double(x))
            maxExp = max(maxExp, abs(e - ref) / ref)
            maxErf = max(maxErf, abs(Double(FastMath.erf(x / 8)) - Foundation.erf(Double(x / 8))))
        }
        print("FastMath.exp max rel err \(maxExp), FastMath.erf max abs err \(maxErf)")
        #expect(maxExp < 5e-7)
        #expect(maxErf < 5e-7)  // A&S 7.1.26 bound 1.5e-7 plus float rounding
        #expect(FastMath.exp(-200) < 1e-37)
    }

    /// Decoding one token at a time through the cache gives the same outputs as full causal attention: a small
    /// head, and a head size the SIMD dot product covers (hd = 16) over a cache longer than one block.
    @Test(arguments: [(seed: UInt64(21), B: 2, T: 6, C: 8, NH: 2, maxT: 10), (seed: 32, B: 2, T: 40, C: 32, NH: 2, maxT: 48)])
    func decodeMatchesFullAttention(_ shape: (seed: UInt64, B: Int, T: Int, C: Int, NH: Int, maxT: Int)) {
        let (B, T, C, NH, maxT) = (shape.B, shape.T, shape.C, shape.NH, shape.maxT)
        let hd = C / NH
        var d = Draw(shape.seed)
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
        print("decode (hd \(hd)) vs full attention over \(T) positions: max rel err \(err)")
        #expect(err < 1e-5)
    }

    /// Every kernel gives bit-identical results with 1 and 2 threads (the partitions never split a reduction).
    /// Shapes cover both GEMM splits: rows (N ≥ 3C, as in training) and columns (N < 3C, as in decoding).
    @Test(arguments: [(4, 16, 32), (40, 16, 24)])
    func resultsDoNotDependOnThreads(B: Int, T: Int, C: Int) {
        var d = Draw(22)
        let NH = 4, N = B * T
        let qkv = toFloat(d.doubles(N * 3 * C)), dout = toFloat(d.doubles(N * C))
        let x = toFloat(d.doubles(N * C)), w = toFloat(d.doubles(3 * C * C)), bias = toFloat(d.doubles(3 * C))
        func run(_ threads: Int) -> [[Float]] {
            withBuffers([
                [Float](repeating: 0, count: N * C), [Float](repeating: 0, count: B * NH * T * T), qkv,
                [Float](repeating: 0, count: N * 3 * C), dout, [Float](repeating: 0, count: threads * T * T),
                x, w, bias, [Float](repeating: 0, count: N * 3 * C), [Float](repeating: 0, count: N * C),
                [Float](repeating: 0, count: 3 * C * C), [Float](repeating: 0, count: 3 * C),
            ]) { p in
                Attention.forward(out: p[0], att: p[1], qkv: p[2], lengths: nil, B: B, T: T, C: C, NH: NH, threads: threads)
                Attention.backward(dqkv: p[3], dout: p[4], qkv: p[2], att: p[1], scratch: p[5], B: B, T: T, C: C, NH: NH, threads: threads)
                Matmul.forward(out: p[9], inp: p[6], weight: p[7], bias: p[8], N: N, IC: C, OC: 3 * C, threads: threads)
                Matmul.backward(dinp: p[10], dweight: p[11], dbias: p[12], dout: p[3], inp: p[6], weight: p[7],
                                N: N, IC: C, OC: 3 * C, threads: threads)
            }
        }
        let one = run(1), two = run(2), three = run(3)
        for i in one.indices where i != 5 {
            #expect(one[i] == three[i], "buffer \(i) differs between 1 and 3 threads")  // 5 is per-thread scratch (sized by the thread count)
            #expect(one[i] == two[i], "buffer \(i) differs between 1 and 2 threads")
        }
    }
}
