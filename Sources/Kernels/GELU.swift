/// GELU, exact form (torch's default): gelu(x) = x · Φ(x) = ½ x (1 + erf(x/√2)).
public enum GELU {
    static let invSqrt2: Float = 0.707_106_781_186_547_5
    static let invSqrt2Pi: Float = 0.398_942_280_401_432_7

    /// - Parameters: out (count), inp (count); may alias for an in-place update
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int, threads: Int) {
        Parallel.forEachChunk(count: count, threads: threads) { r in
            for i in r {
                let x = inp[i]
                out[i] = 0.5 * x * (1 + FastMath.erf(x * invSqrt2))
            }
        }
    }

    /// dinp = dout · gelu′(inp), gelu′(x) = Φ(x) + x·φ(x). Overwrites `dinp`; `dinp` may alias `dout`.
    /// - Parameters: dinp (count), dout (count), inp (count) the forward input
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, count: Int,
        threads: Int
    ) {
        Parallel.forEachChunk(count: count, threads: threads) { r in
            for i in r {
                let x = inp[i]
                let cdf = 0.5 * (1 + FastMath.erf(x * invSqrt2))
                let pdf = invSqrt2Pi * FastMath.exp(-0.5 * x * x)
                dinp[i] = dout[i] * (cdf + x * pdf)
            }
        }
    }
}

/// Residual connection: out = a + b. Its backward is the identity into both inputs, which the model applies
/// by letting the residual stream's gradient buffer flow through blocks (layer norms accumulate into it).
public enum Residual {
    /// - Parameters: out (count), a (count), b (count); `out` may alias `a`
    public static func forward(
        out: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>, count: Int, threads: Int
    ) {
        Parallel.forEachChunk(count: count, threads: threads) { r in
            for i in r { out[i] = a[i] + b[i] }
        }
    }

    /// da += dout, db += dout.
    public static func backward(
        da: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, count: Int,
        threads: Int
    ) {
        Parallel.forEachChunk(count: count, threads: threads) { r in
            for i in r {
                da[i] += dout[i]
                db[i] += dout[i]
            }
        }
    }
}
