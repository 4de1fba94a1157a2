import KernelsAVX512

/// GELU, exact form (torch's default): gelu(x) = x · Φ(x) = ½ x (1 + erf(x/√2)). The forward runs sixteen lanes
/// at a time on AVX-512 CPUs (`GELU512`, same bits).
public enum GELU {
    /// - Parameters: out (count), inp (count); may alias for an in-place update
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int, threads: Int) {
        Parallel.forEachChunk(count: count, threads: Parallel.threads(threads, work: count, minWorkPerThread: 8_192)) { r in
            if GEMM.hasAVX512 {
                GELU512.forward(out: out, derivative: nil, inp: inp, range: r)
                return
            }
            var i = r.lowerBound
            while i + 8 <= r.upperBound {  // eight lanes at a time (explicit SIMD: the loop would not vectorise)
                let x = UnsafeRawPointer(inp + i).loadUnaligned(as: SIMD8<Float>.self)
                let y = x * FastMath.normalCDFAndPDF(x).cdf
                UnsafeMutableRawPointer(out + i).storeBytes(of: y, as: SIMD8<Float>.self)
                i += 8
            }
            while i < r.upperBound {
                out[i] = inp[i] * FastMath.normalCDFAndPDF(inp[i]).cdf
                i += 1
            }
        }
    }

    /// Forward that also saves gelu′(inp) = Φ + x·φ for `backward(dinp:dout:derivative:)`: the exponential and
    /// division are computed once instead of again in the backward pass.
    /// - Parameters: out (count), derivative (count), inp (count)
    public static func forward(
        out: UnsafeMutablePointer<Float>, derivative: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        count: Int, threads: Int
    ) {
        Parallel.forEachChunk(count: count, threads: Parallel.threads(threads, work: count, minWorkPerThread: 8_192)) { r in
            if GEMM.hasAVX512 {
                GELU512.forward(out: out, derivative: derivative, inp: inp, range: r)
                return
            }
            var i = r.lowerBound
            while i + 8 <= r.upperBound {
                let x = UnsafeRawPointer(inp + i).loadUnaligned(as: SIMD8<Float>.self)
                let (cdf, pdf) = FastMath.normalCDFAndPDF(x)
                UnsafeMutableRawPointer(out + i).storeBytes(of: x * cdf, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(derivative + i).storeBytes(of: cdf + x * pdf, as: SIMD8<Float>.self)
                i += 8
            }
            while i < r.upperBound {
                let (cdf, pdf) = FastMath.normalCDFAndPDF(inp[i])
                out[i] = inp[i] * cdf
                derivative[i] = cdf + inp[i] * pdf
                i += 1
            }
        }
    }

    /// dinp = dout · derivative, with the derivative saved by the forward. `dinp` may alias `dout`.
    /// - Parameters: dinp (count), dout (count), derivative (count)
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, derivative: UnsafePointer<Float>, count: Int,
        threads: Int
    ) {
        Parallel.forEachChunk(count: count, threads: threads) { r in
            // Eight lanes at a time: `dinp` may alias `dout`, which kept the compiler from vectorising the loop.
            var i = r.lowerBound
            while i + 8 <= r.upperBound {
                let d = UnsafeRawPointer(dout + i).loadUnaligned(as: SIMD8<Float>.self)
                let g = UnsafeRawPointer(derivative + i).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(dinp + i).storeBytes(of: d * g, as: SIMD8<Float>.self)
                i += 8
            }
            while i < r.upperBound {
                dinp[i] = dout[i] * derivative[i]
                i += 1
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
            var i = r.lowerBound
            while i + 8 <= r.upperBound {
                let x = UnsafeRawPointer(inp + i).loadUnaligned(as: SIMD8<Float>.self)
                let d = UnsafeRawPointer(dout + i).loadUnaligned(as: SIMD8<Float>.self)
                let (cdf, pdf) = FastMath.normalCDFAndPDF(x)
                UnsafeMutableRawPointer(dinp + i).storeBytes(of: d * (cdf + x * pdf), as: SIMD8<Float>.self)
                i += 8
            }
            while i < r.upperBound {
                let (cdf, pdf) = FastMath.normalCDFAndPDF(inp[i])
                dinp[i] = dout[i] * (cdf + inp[i] * pdf)
                i += 1
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
        Parallel.forEachChunk(count: count, threads: Parallel.threads(threads, work: count, minWorkPerThread: 32_768)) { r in
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
