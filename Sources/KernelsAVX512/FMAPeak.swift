/// The machine's FMA ceiling on one thread: 12 independent chains of 16-lane fused multiply-adds, no memory
/// traffic (what `../shared/bench/kernels/fma_peak.c` measures), so benchmarks can state GEMM speed as a share of
/// the peak of the machine they run on.
public enum FMAPeak {
    /// Runs `iterations` × 12 vector FMAs; returns a value that depends on all of them (so none is optimised away).
    @inline(never)
    public static func run(iterations: Int) -> Float {
        typealias V = SIMD16<Float>
        let m = V(repeating: 0.999_999), c = V(repeating: 1e-7)
        var a0 = V(repeating: 1), a1 = V(repeating: 2), a2 = V(repeating: 3), a3 = V(repeating: 4)
        var a4 = V(repeating: 5), a5 = V(repeating: 6), a6 = V(repeating: 7), a7 = V(repeating: 8)
        var a8 = V(repeating: 9), a9 = V(repeating: 10), a10 = V(repeating: 11), a11 = V(repeating: 12)
        for _ in 0..<iterations {
            a0 = c.addingProduct(a0, m); a1 = c.addingProduct(a1, m)
            a2 = c.addingProduct(a2, m); a3 = c.addingProduct(a3, m)
            a4 = c.addingProduct(a4, m); a5 = c.addingProduct(a5, m)
            a6 = c.addingProduct(a6, m); a7 = c.addingProduct(a7, m)
            a8 = c.addingProduct(a8, m); a9 = c.addingProduct(a9, m)
            a10 = c.addingProduct(a10, m); a11 = c.addingProduct(a11, m)
        }
        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).sum()
    }

    /// FLOPs one call of `run(iterations:)` performs (2 per lane per FMA).
    public static func flops(iterations: Int) -> Double { Double(iterations) * 12 * 16 * 2 }
}
