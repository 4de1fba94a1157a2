import KernelsAVX512

/// A layer's weight (OC, IC) packed once into the AVX-512 GEMM's panel layout, for products that reuse it many
/// times with few rows each — the decode steps of sampling, where packing the weights on every call was a large share
/// of sampling time (figure in docs/operations.md, "Kernel design measurements"). A copy: it does not follow later changes to the weight.
public final class PackedWeight: @unchecked Sendable {  // immutable after init
    /// Output features: rows of the weight (OC, IC), columns of the product.
    public let OC: Int
    /// Input features: columns of the weight (OC, IC), the product's inner dimension.
    public let IC: Int
    let floats: UnsafeMutablePointer<Float>
    let layout: AVX512GEMM.PackedLayout
    /// Owns the memory `floats` points into (shared by the weights of one `packAll`).
    let storage: Storage

    /// Memory of one or more packed weights, from `LargeBuffer`.
    final class Storage: @unchecked Sendable {  // immutable after packing
        let floats: UnsafeMutablePointer<Float>
        let count: Int
        init(floats count: Int) {
            self.count = count
            floats = LargeBuffer.allocateFloats(count)
        }
        deinit { LargeBuffer.free(floats, count: count) }
    }

    /// Packs `weight` (OC, IC) on up to `threads` threads (a model's weights are tens of MB, packed whenever a
    /// sampler makes a cache); nil when the GEMM backend is not lema's AVX-512 kernel (OpenBLAS packs per call).
    public convenience init?(weight: UnsafePointer<Float>, OC: Int, IC: Int, threads: Int = 1) {
        guard let one = PackedWeight.packAll([(weight, OC, IC)], threads: threads)?.first else { return nil }
        self.init(layout: one.layout, floats: one.floats, storage: one.storage)
    }

    private init(layout: AVX512GEMM.PackedLayout, floats: UnsafeMutablePointer<Float>, storage: Storage) {
        OC = layout.n
        IC = layout.k
        self.layout = layout
        self.floats = floats
        self.storage = storage
    }

    /// Packs several weights (pointer, OC, IC) one after the other into one buffer, on up to `threads` threads: a
    /// model's decode weights (megabytes, streamed at every decode step) then lie on 2 MiB pages instead of
    /// 4 KiB ones. Nil when the GEMM backend is not lema's AVX-512 kernel.
    public static func packAll(
        _ weights: [(weight: UnsafePointer<Float>, OC: Int, IC: Int)], threads: Int = 1
    ) -> [PackedWeight]? {
        guard GEMM.backend == .avx512 else { return nil }
        // out = inp · weightᵀ: op(B) = weightᵀ (IC, OC), stored transposed
        let layouts = weights.map { AVX512GEMM.PackedLayout(k: $0.IC, n: $0.OC) }
        // each weight starts on a 64-byte boundary (16 floats), as a buffer of its own would
        var starts: [Int] = [], total = 0
        for layout in layouts {
            starts.append(total)
            total += (layout.floats + 15) / 16 * 16
        }
        let storage = Storage(floats: total)
        return zip(weights, layouts).enumerated().map { i, pair in
            let (w, layout) = pair
            let floats = storage.floats + starts[i]
            GEMM.packB(transposed: true, b: w.weight, ldb: w.IC, layout: layout, into: floats, threads: threads)
            return PackedWeight(layout: layout, floats: floats, storage: storage)
        }
    }

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
