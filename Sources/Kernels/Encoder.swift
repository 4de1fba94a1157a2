/// Token + position embedding: out[b,t,:] = wte[tokens[b,t],:] + wpe[pos(b,t),:], pos(b,t) = offset[b] + t.
public enum Encoder {
    /// - Parameters:
    ///   - out: (B,T,C)
    ///   - tokens: (B,T), each in 0..<V (checked by the caller)
    ///   - positionOffsets: (B) first position of each row (for KV-cached decoding), or nil for 0
    ///   - wte: (V,C) token embedding; wpe: (maxT,C) position embedding
    public static func forward(
        out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>, positionOffsets: UnsafePointer<Int32>?,
        wte: UnsafePointer<Float>, wpe: UnsafePointer<Float>, B: Int, T: Int, C: Int, threads: Int
    ) {
        Parallel.forEachChunk(count: B * T, threads: Parallel.threads(threads, work: B * T * C, minWorkPerThread: 32_768)) { rows in
            for bt in rows {
                let b = bt / T, t = bt % T
                let pos = t + Int(positionOffsets?[b] ?? 0)
                let o = out + bt * C  // (C)
                let te = wte + Int(tokens[bt]) * C  // (C)
                let pe = wpe + pos * C  // (C)
                for c in 0..<C { o[c] = te[c] + pe[c] }
            }
        }
    }

    /// Accumulates dwte[tokens[b,t],:] += dout[b,t,:] and dwpe[t,:] += dout[b,t,:] (positions from 0).
    /// Threads split the channels, and each channel sums over (b,t) in order: results do not depend on threads.
    /// - Parameters: dwte (V,C), dwpe (maxT,C), dout (B,T,C), tokens (B,T)
    public static func backward(
        dwte: UnsafeMutablePointer<Float>, dwpe: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        tokens: UnsafePointer<Int32>, B: Int, T: Int, C: Int, threads: Int
    ) {
        Parallel.forEachChunk(count: C, threads: threads) { cs in
            for bt in 0..<(B * T) {
                let t = bt % T
                let d = dout + bt * C
                let te = dwte + Int(tokens[bt]) * C
                let pe = dwpe + t * C
                for c in cs {
                    te[c] += d[c]
                    pe[c] += d[c]
                }
            }
        }
    }
}
