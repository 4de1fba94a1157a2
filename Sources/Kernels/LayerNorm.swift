/// Layer normalisation over the last dimension: out = (x − mean) · rstd · weight + bias, rstd = 1/√(var + 1e-5)
/// (biased variance, as torch.nn.LayerNorm).
public enum LayerNorm {
    /// Added to the variance before the square root, as torch.nn.LayerNorm's default.
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
                // Eight lanes at a time (the compiler cannot prove dx does not alias the inputs); the same
                // arithmetic per element as the scalar tail, so the bits do not depend on the lane split.
                c = 0
                while c + 8 <= C {
                    let xv = UnsafeRawPointer(x + c).loadUnaligned(as: SIMD8<Float>.self)
                    let dv = UnsafeRawPointer(d + c).loadUnaligned(as: SIMD8<Float>.self)
                    let wv = UnsafeRawPointer(weight + c).loadUnaligned(as: SIMD8<Float>.self)
                    let xhat = (xv - m) * s
                    let old = UnsafeRawPointer(dx + c).loadUnaligned(as: SIMD8<Float>.self)
                    let new = old + s * (dv * wv - meanG - xhat * meanGX)
                    UnsafeMutableRawPointer(dx + c).storeBytes(of: new, as: SIMD8<Float>.self)
                    c += 8
                }
                while c < C {
                    let xhat = (x[c] - m) * s
                    dx[c] += s * (d[c] * weight[c] - meanG - xhat * meanGX)
                    c += 1
                }
            }
        }
        // Parameter gradients: threads split channels; each channel's rows are summed in order into its running
        // value (thread-count independent). Groups of 32 channels keep their sums in registers through all rows.
        Parallel.forEachChunk(count: (C + 7) / 8, threads: threads) { groups in
            var g = groups.lowerBound
            while g < groups.upperBound {
                let count = min(4, groups.upperBound - g)  // groups of 8 channels in this pass
                if (g + count) * 8 <= C {
                    parameterGradients(
                        dweight: dweight, dbias: dbias, dout: dout, inp: inp, mean: mean, rstd: rstd, N: N, C: C,
                        c0: g * 8, groups: count)
                } else {
                    // The last channels (C not a multiple of 8): plain loops, same order.
                    for n in 0..<N {
                        let x = inp + n * C, d = dout + n * C
                        let m = mean[n], s = rstd[n]
                        for c in (g * 8)..<C {
                            dweight[c] += d[c] * (x[c] - m) * s
                            dbias[c] += d[c]
                        }
                    }
                }
                g += count
            }
        }
    }

    /// dweight[c] += Σₙ dout·x̂ and dbias[c] += Σₙ dout (rows in order) for channels c0 ..< c0 + 8·groups, groups ≤ 4.
    @inline(__always)
    static func parameterGradients(
        dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        inp: UnsafePointer<Float>, mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, N: Int, C: Int, c0: Int,
        groups: Int
    ) {
        typealias V = SIMD8<Float>
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        var w = (V(), V(), V(), V()), b = (V(), V(), V(), V())
        w.0 = load(dweight + c0); b.0 = load(dbias + c0)
        if groups > 1 { w.1 = load(dweight + c0 + 8); b.1 = load(dbias + c0 + 8) }
        if groups > 2 { w.2 = load(dweight + c0 + 16); b.2 = load(dbias + c0 + 16) }
        if groups > 3 { w.3 = load(dweight + c0 + 24); b.3 = load(dbias + c0 + 24) }
        for n in 0..<N {
            let x = inp + n * C + c0, d = dout + n * C + c0
            let m = mean[n], s = rstd[n]
            var dv = load(d)
            w.0 += dv * (load(x) - m) * s; b.0 += dv
            if groups > 1 { dv = load(d + 8); w.1 += dv * (load(x + 8) - m) * s; b.1 += dv }
            if groups > 2 { dv = load(d + 16); w.2 += dv * (load(x + 16) - m) * s; b.2 += dv }
            if groups > 3 { dv = load(d + 24); w.3 += dv * (load(x + 24) - m) * s; b.3 += dv }
        }
        @inline(__always) func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
        }
        store(w.0, dweight + c0); store(b.0, dbias + c0)
        if groups > 1 { store(w.1, dweight + c0 + 8); store(b.1, dbias + c0 + 8) }
        if groups > 2 { store(w.2, dweight + c0 + 16); store(b.2, dbias + c0 + 16) }
        if groups > 3 { store(w.3, dweight + c0 + 24); store(b.3, dbias + c0 + 24) }
    }
}
