#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The test oracle: every op written as the plainest loops over `[Double]`, forward and backward, no threads, no
/// BLAS, no approximations. Tests check these against finite differences, then the fast kernels against these.
/// Shapes and layouts are those of the fast kernels.
public enum Naive {
    /// out (B,T,C) = wte[tokens] + wpe[t]; tokens (B,T), wte (V,C), wpe (maxT,C).
    public static func encoderForward(tokens: [Int32], wte: [Double], wpe: [Double], B: Int, T: Int, C: Int) -> [Double] {
        var out = [Double](repeating: 0, count: B * T * C)
        for b in 0..<B {
            for t in 0..<T {
                for c in 0..<C { out[(b * T + t) * C + c] = wte[Int(tokens[b * T + t]) * C + c] + wpe[t * C + c] }
            }
        }
        return out
    }

    /// Returns (dwte (V,C), dwpe (maxT,C)) for dout (B,T,C).
    public static func encoderBackward(
        dout: [Double], tokens: [Int32], B: Int, T: Int, C: Int, V: Int, maxT: Int
    ) -> (dwte: [Double], dwpe: [Double]) {
        var dwte = [Double](repeating: 0, count: V * C), dwpe = [Double](repeating: 0, count: maxT * C)
        for bt in 0..<(B * T) {
            for c in 0..<C {
                dwte[Int(tokens[bt]) * C + c] += dout[bt * C + c]
                dwpe[(bt % T) * C + c] += dout[bt * C + c]
            }
        }
        return (dwte, dwpe)
    }

    /// out (N,C) = layernorm(inp (N,C)) · weight (C) + bias (C), eps 1e-5.
    public static func layerNormForward(inp: [Double], weight: [Double], bias: [Double], N: Int, C: Int) -> [Double] {
        var out = [Double](repeating: 0, count: N * C)
        for n in 0..<N {
            let row = Array(inp[(n * C)..<((n + 1) * C)])
            let mean = row.reduce(0, +) / Double(C)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(C)
            let rstd = 1 / (variance + Double(LayerNorm.epsilon)).squareRoot()
            for c in 0..<C { out[n * C + c] = (row[c] - mean) * rstd * weight[c] + bias[c] }
        }
        return out
    }

    /// Returns (dinp (N,C), dweight (C), dbias (C)).
    public static func layerNormBackward(
        dout: [Double], inp: [Double], weight: [Double], N: Int, C: Int
    ) -> (dinp: [Double], dweight: [Double], dbias: [Double]) {
        var dinp = [Double](repeating: 0, count: N * C)
        var dw = [Double](repeating: 0, count: C), db = [Double](repeating: 0, count: C)
        for n in 0..<N {
            let row = Array(inp[(n * C)..<((n + 1) * C)])
            let mean = row.reduce(0, +) / Double(C)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(C)
            let rstd = 1 / (variance + Double(LayerNorm.epsilon)).squareRoot()
            let xhat = row.map { ($0 - mean) * rstd }
            var g = [Double](repeating: 0, count: C)
            for c in 0..<C {
                g[c] = dout[n * C + c] * weight[c]
                dw[c] += dout[n * C + c] * xhat[c]
                db[c] += dout[n * C + c]
            }
            let meanG = g.reduce(0, +) / Double(C)
            let meanGX = zip(g, xhat).map(*).reduce(0, +) / Double(C)
            for c in 0..<C { dinp[n * C + c] = rstd * (g[c] - meanG - xhat[c] * meanGX) }
        }
        return (dinp, dw, db)
    }

    /// out (N,OC) = inp (N,IC) · weight (OC,IC)ᵀ + bias (OC).
    public static func matmulForward(inp: [Double], weight: [Double], bias: [Double]?, N: Int, IC: Int, OC: Int) -> [Double] {
        var out = [Double](repeating: 0, count: N * OC)
        for n in 0..<N {
            for o in 0..<OC {
                var s = bias?[o] ?? 0
                for i in 0..<IC { s += inp[n * IC + i] * weight[o * IC + i] }
                out[n * OC + o] = s
            }
        }
        return out
    }

    /// Returns (dinp (N,IC), dweight (OC,IC), dbias (OC)).
    public static func matmulBackward(
        dout: [Double], inp: [Double], weight: [Double], N: Int, IC: Int, OC: Int
    ) -> (dinp: [Double], dweight: [Double], dbias: [Double]) {
        var dinp = [Double](repeating: 0, count: N * IC)
        var dw = [Double](repeating: 0, count: OC * IC), db = [Double](repeating: 0, count: OC)
        for n in 0..<N {
            for o in 0..<OC {
                let d = dout[n * OC + o]
                db[o] += d
                for i in 0..<IC {
                    dinp[n * IC + i] += d * weight[o * IC + i]
                    dw[o * IC + i] += d * inp[n * IC + i]
                }
            }
        }
        return (dinp, dw, db)
    }

    /// Attention probabilities (B,NH,T,T) for qkv (B,T,3C), same masking rule as `Attention.forward`.
    public static func attentionProbs(qkv: [Double], lengths: [Int32]?, B: Int, T: Int, C: Int, NH: Int) -> [Double] {
        let hd = C / NH
        let scale = 1 / Double(hd).squareRoot()
        var att = [Double](repeating: 0, count: B * NH * T * T)
        for b in 0..<B {
            let length = lengths.map { Int($0[b]) } ?? T
            for h in 0..<NH {
                for i in 0..<T {
                    let visible = min(i + 1, length)
                    guard visible > 0 else { continue }
                    var scores = [Double](repeating: 0, count: visible)
                    for j in 0..<visible {
                        var s = 0.0
                        for d in 0..<hd {
                            s += qkv[(b * T + i) * 3 * C + h * hd + d] * qkv[(b * T + j) * 3 * C + C + h * hd + d]
                        }
                        scores[j] = s * scale
                    }
                    let m = scores.max() ?? 0
                    let e = scores.map { exp($0 - m) }
                    let sum = e.reduce(0, +)
                    for j in 0..<visible { att[((b * NH + h) * T + i) * T + j] = e[j] / sum }
                }
            }
        }
        return att
    }

    /// out (B,T,C) = per head P·V.
    public static func attentionForward(qkv: [Double], lengths: [Int32]?, B: Int, T: Int, C: Int, NH: Int) -> [Double] {
        let hd = C / NH
        let att = attentionProbs(qkv: qkv, lengths: lengths, B: B, T: T, C: C, NH: NH)
        var out = [Double](repeating: 0, count: B * T * C)
        for b in 0..<B {
            for h in 0..<NH {
                for i in 0..<T {
                    for j in 0..<T {
                        let p = att[((b * NH + h) * T + i) * T + j]
                        for d in 0..<hd { out[(b * T + i) * C + h * hd + d] += p * qkv[(b * T + j) * 3 * C + 2 * C + h * hd + d] }
                    }
                }
            }
        }
        return out
    }

    /// dqkv (B,T,3C) for dout (B,T,C).
    public static func attentionBackward(
        dout: [Double], qkv: [Double], lengths: [Int32]?, B: Int, T: Int, C: Int, NH: Int
    ) -> [Double] {
        let hd = C / NH
        let scale = 1 / Double(hd).squareRoot()
        let att = attentionProbs(qkv: qkv, lengths: lengths, B: B, T: T, C: C, NH: NH)
        var dqkv = [Double](repeating: 0, count: B * T * 3 * C)
        func qi(_ b: Int, _ t: Int, _ h: Int, _ d: Int) -> Int { (b * T + t) * 3 * C + h * hd + d }
        for b in 0..<B {
            for h in 0..<NH {
                for i in 0..<T {
                    // dP[j] = dy_i · v_j ; dv_j += P[j] dy_i
                    var dp = [Double](repeating: 0, count: T)
                    for j in 0..<T {
                        let p = att[((b * NH + h) * T + i) * T + j]
                        for d in 0..<hd {
                            let dy = dout[(b * T + i) * C + h * hd + d]
                            dp[j] += dy * qkv[qi(b, j, h, d) + 2 * C]
                            dqkv[qi(b, j, h, d) + 2 * C] += p * dy
                        }
                    }
                    var rowDot = 0.0
                    for j in 0..<T { rowDot += att[((b * NH + h) * T + i) * T + j] * dp[j] }
                    for j in 0..<T {
                        let ds = att[((b * NH + h) * T + i) * T + j] * (dp[j] - rowDot) * scale
                        for d in 0..<hd {
                            dqkv[qi(b, i, h, d)] += ds * qkv[qi(b, j, h, d) + C]
                            dqkv[qi(b, j, h, d) + C] += ds * qkv[qi(b, i, h, d)]
                        }
                    }
                }
            }
        }
        return dqkv
    }

    /// gelu(x) = ½ x (1 + erf(x/√2)).
    public static func geluForward(_ inp: [Double]) -> [Double] { inp.map { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) } }

    /// dinp = dout · gelu′(inp).
    public static func geluBackward(dout: [Double], inp: [Double]) -> [Double] {
        zip(dout, inp).map { d, x in
            d * (0.5 * (1 + erf(x / 2.0.squareRoot())) + x * exp(-0.5 * x * x) / (2 * Double.pi).squareRoot())
        }
    }

    /// Masked mean cross-entropy of logits (N,V).
    public static func crossEntropyForward(logits: [Double], targets: [Int32], mask: [Double], N: Int, V: Int) -> Double {
        var total = 0.0, weight = 0.0
        for n in 0..<N {
            let row = logits[(n * V)..<((n + 1) * V)]
            let m = row.max() ?? 0
            let lse = m + log(row.map { exp($0 - m) }.reduce(0, +))
            total += mask[n] * (lse - logits[n * V + Int(targets[n])])
            weight += mask[n]
        }
        return weight > 0 ? total / weight : 0
    }

    /// dlogits (N,V) of the masked mean.
    public static func crossEntropyBackward(logits: [Double], targets: [Int32], mask: [Double], N: Int, V: Int) -> [Double] {
        let weight = mask.reduce(0, +)
        var d = [Double](repeating: 0, count: N * V)
        guard weight > 0 else { return d }
        for n in 0..<N {
            let row = logits[(n * V)..<((n + 1) * V)]
            let m = row.max() ?? 0
            let e = row.map { exp($0 - m) }
            let s = e.reduce(0, +)
            for v in 0..<V { d[n * V + v] = mask[n] / weight * (e[v] / s - (v == Int(targets[n]) ? 1 : 0)) }
        }
        return d
    }
}
