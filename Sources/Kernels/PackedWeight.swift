import KernelsAVX512

/// A layer's weight (OC, IC) packed once into the AVX-512 GEMM's panel layout, for products that reuse it many
/// times with few rows each — the decode steps of sampling, where packing the weights on every call took 38% of
/// L's sampling time. A copy: it does not follow later changes to the weight.
public final class PackedWeight: @unchecked Sendable {  // immutable after init
    public let OC: Int
    public let IC: Int
    let floats: UnsafeMutablePointer<Float>
    let layout: AVX512GEMM.PackedLayout

    /// Packs `weight` (OC, IC) on up to `threads` threads (a model's weights are tens of MB, packed whenever a
    /// sampler makes a cache); nil when the GEMM backend is not lema's AVX-512 kernel (OpenBLAS packs per call).
    public init?(weight: UnsafePointer<Float>, OC: Int, IC: Int, threads: Int = 1) {
        guard GEMM.backend == .avx512 else { return nil }
        self.OC = OC
        self.IC = IC
        layout = AVX512GEMM.PackedLayout(k: IC, n: OC)
        let count = max(1, layout.floats)
        floats = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64).bindMemory(to: Float.self, capacity: count)
        // out = inp · weightᵀ: op(B) = weightᵀ (IC, OC), stored transposed
        GEMM.packB(transposed: true, b: weight, ldb: IC, layout: layout, into: floats, threads: threads)
    }

    deinit { UnsafeMutableRawPointer(floats).deallocate() }

    /// out (rows, columns of OC) = inp (rows, IC) · weightᵀ + bias for output columns `columns` (starting at a
    /// multiple of `panelWidth`); `out` and `bias` point at column 0.
    func forward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, bias: UnsafePointer<Float>?, rows: Int,
        columns: Range<Int>
    ) {
        AVX512GEMM.sgemm(
            transA: false, m: rows, n: columns.count, k: IC, a: inp, lda: IC, packed: floats, layout: layout,
            j0: columns.lowerBound, bias: bias.map { $0 + columns.lowerBound }, accumulate: false,
            c: out + columns.lowerBound, ldc: OC)
    }

    /// Columns per panel: splits of the output columns must start at multiples of it.
    var panelWidth: Int { layout.width }
}
