/// Layer normalisation over the last dimension: out = (x − mean) · rstd · weight + bias, rstd = 1/√(var + 1e-5)
/// (biased variance, as torch.nn.LayerNorm).
public enum LayerNorm {
    public static let epsilon: Float = 1e-5

    /// - Parameters: out (N,C), mean (N), rstd (N) saved for backward, inp (N,C), weight (C), bias (C)
    public static func forward(
        out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        N: Int, C: Int, threads: Int
    ) {
        Parallel.forEachChunk(count: N, threads: Parallel.threads(threads, work: N * C, minWorkPerThread: 16_384)) { rows in
            for n in rows {
                let x = inp + n * C  // (C)
                let m = FastMath.sum(x, C) / Float(C)
                var v = SIMD8<Float>()
                var c = 0
                while c + 8 <= C {
                    let d = UnsafeRawPointer(x + c).loadUnaligned(as: SIMD8<Float>.self) - m
                    v += d * d
                    c += 8
                }
                var variance = v.sum()
                while c < C {
                    variance += (x[c] - m) * (x[c] - m)
                    c += 1
                }
                variance /= Float(C)
                let s = 1 / (variance + epsilon).squareRoot()
                let o = out + n * C
                for c in 0..<C { o[c] = (x[c] - m) * s * weight[c] + bias[c] }
                mean[n] = m
                rstd[n] = s
            }
        }
    }

    /// dinp += ∂L/∂inp (accumulates: the input is the residual stream), dweight += Σ dout·x̂, dbias += Σ dout.
    /// - Parameters: dinp (N,C), dweight (C), dbias (C), dout (N,C), inp (N,C), weight (C), mean (N), rstd (N)
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>,
        dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, N: Int, C: Int, threads: Int
    ) {
        // Input gradient, row by row: dx = rstd · (g − mean(g) − x̂ · mean(g·x̂)), g = dout · weight.
        Parallel.forEachChunk(count: N, threads: threads) { rows in
            for n in rows {
                let x = inp + n * C, d = dout + n * C, dx = dinp + n * C
                let m = mean[n], s = rstd[n]
                // Eight-lane partial sums (fixed order): the scalar reductions were latency-bound.
                var laneG = SIMD8<Float>(), laneGX = SIMD8<Float>()
                var c = 0
                while c + 8 <= C {
                    let g = UnsafeRawPointer(d + c).loadUnaligned(as: SIMD8<Float>.self)
                        * UnsafeRawPointer(weight + c).loadUnaligned(as: SIMD8<Float>.self)
                    laneG += g
                    laneGX += g * (UnsafeRawPointer(x + c).loadUnaligned(as: SIMD8<Float>.self) - m) * s
                    c += 8
                }
                var sumG = laneG.sum(), sumGX = laneGX.sum()
                while c < C {
                    let g = d[c] * weight[c]
                    sumG += g
                    sumGX += g * (x[c] - m) * s
                    c += 1
                }
                let meanG = sumG / Float(C), meanGX = sumGX / Float(C)
                for c in 0..<C {
                    let xhat = (x[c] - m) * s
                    dx[c] += s * (d[c] * weight[c] - meanG - xhat * meanGX)
                }
            }
        }
        // Parameter gradients: threads split channels, rows are summed in order (thread-count independent).
        Parallel.forEachChunk(count: C, threads: threads) { cs in
            for n in 0..<N {
                let x = inp + n * C, d = dout + n * C
                let m = mean[n], s = rstd[n]
                for c in cs {
                    dweight[c] += d[c] * (x[c] - m) * s
                    dbias[c] += d[c]
                }
            }
        }
    }
}
