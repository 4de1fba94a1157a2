import Kernels
import Testing

/// Both GEMM backends against a Double oracle at shapes that cut the 6 × 64 (and 6 × 32, 4-row) tiles, the 128-deep
/// passes and the 192-row blocks of the AVX-512 kernel, with every combination of transposes, strides larger than the
/// matrices, and each starting value (zero, bias, accumulate). The AVX-512 cases run only on CPUs that have it.
@Suite("GEMM backends match the naive product")
struct GEMMTests {
    struct Shape: CustomTestStringConvertible, Sendable {
        let m, n, k: Int
        var testDescription: String { "\(m)×\(n)×\(k)" }
    }

    static let shapes = [
        Shape(m: 1, n: 1, k: 1), Shape(m: 6, n: 64, k: 128), Shape(m: 7, n: 65, k: 129), Shape(m: 5, n: 63, k: 3),
        Shape(m: 13, n: 130, k: 300), Shape(m: 200, n: 96, k: 40), Shape(m: 12, n: 128, k: 257),
        Shape(m: 9, n: 32, k: 70), Shape(m: 4, n: 17, k: 130),
        // 4-row tiles: a decode step's 32 rows (6·4 + 4 + 4), 6 + 4 on 32-wide panels, 6 + 6 + 4 rows
        Shape(m: 32, n: 192, k: 256), Shape(m: 10, n: 32, k: 50), Shape(m: 16, n: 64, k: 140),
    ]
    enum Start: CaseIterable, Sendable { case zero, bias, accumulate }

    static var backends: [GEMM.Backend] { GEMM.hasAVX512 ? [.avx512, .openBLAS] : [.openBLAS] }

    @Test(arguments: backends, shapes)
    func matchesOracle(backend: GEMM.Backend, shape: Shape) {
        let (m, n, k) = (shape.m, shape.n, shape.k)
        var d = Draw(UInt64(m * 10_007 + n * 101 + k))
        for transA in [false, true] {
            for transB in [false, true] {
                for start in Start.allCases {
                    // Stored matrices with 3 spare columns, so strides differ from the logical widths.
                    let lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 3, ldc = n + 3
                    let a = d.doubles((transA ? k : m) * lda), b = d.doubles((transB ? n : k) * ldb)
                    let c0 = d.doubles(m * ldc), bias = d.doubles(n)
                    var want = c0
                    for i in 0..<m {
                        for j in 0..<n {
                            var s = start == .accumulate ? c0[i * ldc + j] : start == .bias ? bias[j] : 0
                            for p in 0..<k {
                                s += a[transA ? p * lda + i : i * lda + p] * b[transB ? j * ldb + p : p * ldb + j]
                            }
                            want[i * ldc + j] = s
                        }
                    }
                    let got = withBuffers([toFloat(a), toFloat(b), toFloat(c0), toFloat(bias)]) { p in
                        GEMM.sgemm(
                            using: backend, transA: transA, transB: transB, m: m, n: n, k: k, a: p[0], lda: lda,
                            b: p[1], ldb: ldb, bias: start == .bias ? p[3] : nil, accumulate: start == .accumulate,
                            c: p[2], ldc: ldc)
                    }[2]
                    let err = relativeError(toDouble(got), want)
                    #expect(err < 1e-5, "transA \(transA) transB \(transB) start \(start): rel err \(err)")
                    // The padding columns of C are never written.
                    let untouched = (0..<m).allSatisfy { i in (n..<ldc).allSatisfy { got[i * ldc + $0] == Float(c0[i * ldc + $0]) } }
                    #expect(untouched, "transA \(transA) transB \(transB) start \(start) wrote outside C")
                }
            }
        }
    }

    /// The AVX-512 kernel sums every element in one order wherever its tile lies: a product computed in one call
    /// has the same bits as the same product computed in row pieces of any size (so Matmul may split rows by thread).
    @Test(.enabled(if: GEMM.hasAVX512), arguments: [1, 5, 6, 7, 100])
    func avx512ResultsIgnoreTheRowSplit(piece: Int) {
        let m = 203, n = 70, k = 150
        var d = Draw(77)
        let a = toFloat(d.doubles(m * k)), b = toFloat(d.doubles(n * k)), bias = toFloat(d.doubles(n))
        let out = withBuffers([a, b, bias, [Float](repeating: 0, count: m * n), [Float](repeating: 0, count: m * n)]) { p in
            GEMM.sgemm(using: .avx512, transA: false, transB: true, m: m, n: n, k: k, a: p[0], lda: k, b: p[1], ldb: k,
                       bias: p[2], accumulate: false, c: p[3], ldc: n)
            var i0 = 0
            while i0 < m {
                let rows = min(piece, m - i0)
                GEMM.sgemm(using: .avx512, transA: false, transB: true, m: rows, n: n, k: k, a: p[0] + i0 * k, lda: k,
                           b: p[1], ldb: k, bias: p[2], accumulate: false, c: p[4] + i0 * n, ldc: n)
                i0 += rows
            }
        }
        #expect(out[3] == out[4])
    }

    @Test func zeroDepthWritesTheStartingValue() {
        for backend in Self.backends {
            let got = withBuffers([[1, 2], [3], [7, 8, 9, 10, 11, 12], [5, 6]]) { p in
                GEMM.sgemm(using: backend, transA: false, transB: false, m: 2, n: 2, k: 0, a: p[0], lda: 1, b: p[1],
                           ldb: 2, bias: p[3], accumulate: false, c: p[2], ldc: 3)
            }[2]
            #expect(got == [5, 6, 9, 5, 6, 12], "\(backend)")
        }
    }

    /// A weight packed once (`PackedWeight`, for decode steps; packed on as many threads as the product uses) gives
    /// the bits of packing it per call, for few rows (columns split over threads, in panels) and many rows (rows
    /// split), at 1 and 2 threads.
    @Test(.enabled(if: GEMM.hasAVX512), arguments: [(3, 40, 200), (32, 64, 384), (500, 96, 130)])
    func packedWeightMatchesPerCallPacking(N: Int, IC: Int, OC: Int) {
        var d = Draw(UInt64(N + IC + OC))
        let inp = toFloat(d.doubles(N * IC)), weight = toFloat(d.doubles(OC * IC)), bias = toFloat(d.doubles(OC))
        for threads in [1, 2] {
            let out = withBuffers([inp, weight, bias, [Float](repeating: 0, count: N * OC), [Float](repeating: 0, count: N * OC)]) { p in
                Matmul.forward(out: p[3], inp: p[0], weight: p[1], bias: p[2], N: N, IC: IC, OC: OC, threads: threads)
                let packed = PackedWeight(weight: p[1], OC: OC, IC: IC, threads: threads)
                #expect(packed != nil)
                Matmul.forward(out: p[4], inp: p[0], weight: p[1], bias: p[2], N: N, IC: IC, OC: OC, packed: packed,
                               threads: threads)
            }
            #expect(out[3] == out[4], "threads \(threads)")
        }
    }

    /// A row-major B exactly one panel wide (64 or 32 columns, row stride = width) is used in place, unpacked: same
    /// bits as the same matrix stored with a wider stride (packed).
    @Test(.enabled(if: GEMM.hasAVX512), arguments: [64, 32])
    func onePanelWideBIsUsedInPlace(n: Int) {
        let m = 20, k = 300
        var d = Draw(UInt64(n))
        let a = toFloat(d.doubles(m * k)), b = toFloat(d.doubles(k * n))
        let wide: [Float] = (0..<k).flatMap { Array(b[($0 * n)..<($0 * n + n)]) + [Float(9), 9] }  // stride n + 2
        let out = withBuffers([a, b, wide, [Float](repeating: 0, count: m * n), [Float](repeating: 0, count: m * n)]) { p in
            GEMM.sgemm(using: .avx512, transA: false, transB: false, m: m, n: n, k: k, a: p[0], lda: k, b: p[1], ldb: n,
                       accumulate: false, c: p[3], ldc: n)
            GEMM.sgemm(using: .avx512, transA: false, transB: false, m: m, n: n, k: k, a: p[0], lda: k, b: p[2],
                       ldb: n + 2, accumulate: false, c: p[4], ldc: n)
        }
        #expect(out[3] == out[4])
        #expect(out[3].contains { $0 != 0 })
    }

    /// A transposed A whose rows are far apart (> 2 KiB, packed into strips first) gives the bits of the same
    /// matrix stored close together (read in place), including the rows of a last partial strip.
    @Test(.enabled(if: GEMM.hasAVX512), arguments: [false, true])
    func farApartTransposedAIsPackedWithTheSameBits(accumulate: Bool) {
        let m = 200, n = 70, k = 300, far = 600
        var d = Draw(9)
        let near = toFloat(d.doubles(k * m)), b = toFloat(d.doubles(k * n)), c0 = toFloat(d.doubles(m * n))
        let wide: [Float] = (0..<k).flatMap { Array(near[($0 * m)..<($0 * m + m)]) + [Float](repeating: 7, count: far - m) }
        let out = withBuffers([near, wide, b, c0, c0]) { p in
            GEMM.sgemm(using: .avx512, transA: true, transB: false, m: m, n: n, k: k, a: p[0], lda: m, b: p[2], ldb: n,
                       accumulate: accumulate, c: p[3], ldc: n)
            GEMM.sgemm(using: .avx512, transA: true, transB: false, m: m, n: n, k: k, a: p[1], lda: far, b: p[2],
                       ldb: n, accumulate: accumulate, c: p[4], ldc: n)
        }
        #expect(out[3] == out[4])
    }
}
