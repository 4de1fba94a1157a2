import CPUHints

/// Single-precision GEMM on AVX-512, written for the tiny GPT's shapes: thousands of rows, 32 … 1024 columns,
/// depth 32 … 4096. This module is compiled for the AVX-512 instruction set (skylake-avx512: F, CD, BW, DQ, VL):
/// call it only after checking the CPU has them (Kernels' `GEMM` does). Single-threaded: callers split C.
///
/// Why our own: OpenBLAS 0.3.21 (Debian 12) runs its AVX2 kernel on CPUs newer than itself (AMD Zen 5 here) and
/// packs both operands on every call, which costs at these skinny shapes. Here A is read in place and B is packed
/// once per call (or once for many calls: `packB`) into 64-wide panels (32 for products at most 32 wide) that stay
/// in L1 while every 6-row strip of A passes over them (see `MicroKernel`).
public enum AVX512GEMM {
    /// Depth per pass over C: a packed 64-wide panel of 128 steps is 32 KiB, so it stays in the 48 KiB L1 while
    /// the strips of A stream past it from L2. A constant (never a function of threads): it fixes the order in
    /// which each element of C is summed.
    public static let depthBlock = 128

    /// Rows of C per block: 192 rows of A at depth 128 (96 KiB) stay in L2 while they pass over every panel of B,
    /// and so do the block's ≤ 192 × 1024 floats of C between depth passes (block sizes from 48 to 192 measured
    /// alike; no blocking is much slower on long products — figures in docs/operations.md, kernel benchmarks).
    static let rowBlock = 192

    /// Packed B larger than this (64 KiB: any attention head's keys or values at T ≤ 256, hd ≤ 64) is taken to
    /// stream from L3 or memory in a one-block product (a layer's weight, a weight gradient's input), so its next
    /// block is prefetched while the current one runs.
    static let streamedFloats = 16 * 1024

    /// Row-major C (m, n) = S + op(A) · op(B), op(X) = X or Xᵀ, where S is C itself when `accumulate`, else `bias`
    /// (n values) in every row, else 0. op(A) is (m, k), op(B) (k, n); `lda`, `ldb`, `ldc` are row strides in
    /// elements of the stored matrices.
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, bias: UnsafePointer<Float>? = nil, accumulate: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0, k > 0 else {
            writeStart(m: m, n: n, bias: bias, accumulate: accumulate, c: c, ldc: ldc)
            return
        }
        let layout = PackedLayout(k: k, n: n)
        if layout.isPacked(rowMajorB: !transB, ldb: ldb) {
            // B is one whole panel already (e.g. the 64-wide inputs of S's weight gradients): use it in place.
            sgemm(transA: transA, m: m, n: n, k: k, a: a, lda: lda, packed: b, layout: layout, bias: bias,
                  accumulate: accumulate, c: c, ldc: ldc)
            return
        }
        let scratch = Scratch(panelFloats: layout.floats, depth: min(k, depthBlock), width: layout.width)
        packB(transposed: transB, b: b, ldb: ldb, k: k, n: n, into: scratch.panels)
        run(m: m, n: n, k: k, a: a, lda: lda, transA: transA, packed: scratch.panels, layout: layout, bias: bias,
            accumulate: accumulate, c: c, ldc: ldc, scratch: scratch)
    }

    /// `sgemm` with op(B) already packed by `packB` as a (`layout.k`, `layout.n`) matrix (e.g. a weight packed
    /// once for many decode steps, or a head's keys for every query block). The product may use a part of it:
    /// its first `k` steps from step `k0` on, and `n` columns from `j0` on, where j0 is a multiple of the panel
    /// width (threads may split the columns that way).
    public static func sgemm(
        transA: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, packed: UnsafePointer<Float>,
        layout: PackedLayout, j0: Int = 0, k0: Int = 0, bias: UnsafePointer<Float>? = nil, accumulate: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(j0 % layout.width == 0 && j0 + n <= layout.n && k0 + k <= layout.k, "outside the packed matrix")
        guard m > 0, n > 0, k > 0 else {
            writeStart(m: m, n: n, bias: bias, accumulate: accumulate, c: c, ldc: ldc)
            return
        }
        let scratch = Scratch(panelFloats: 0, depth: min(k, depthBlock), width: layout.width)
        run(m: m, n: n, k: k, a: a, lda: lda, transA: transA, packed: packed + j0 * layout.k + k0 * layout.width,
            layout: layout, bias: bias, accumulate: accumulate, c: c, ldc: ldc, scratch: scratch)
    }

    /// Rows per piece when threads take a product's rows piece by piece (`rowBlock`: a piece is one row block).
    public static var pieceRows: Int { rowBlock }

    /// A buffer of at least `floats` floats for an operand this thread packs for a team of threads (see
    /// `ThreadScratch`): valid until this thread asks for a team buffer again.
    public static func teamBuffer(floats: Int) -> UnsafeMutablePointer<Float> {
        ThreadScratch.floats(floats, slot: .team)
    }

    /// Where `packB` puts op(B) (k, n): panels `width` columns wide (64, or 32 when n ≤ 32), each k steps of
    /// `width` contiguous floats (zeros past n); panel p starts at p · width · k.
    public struct PackedLayout: Sendable {
        /// Rows of op(B): the product's inner dimension.
        public let k: Int
        /// Columns of op(B), zero-padded up to whole panels.
        public let n: Int
        /// The tile that reads these panels.
        let kind: MicroKernel.Width

        /// The layout for op(B) (k, n); picks the panel width from n.
        public init(k: Int, n: Int) {
            self.k = k
            self.n = n
            kind = MicroKernel.Width.forColumns(n)
        }

        /// Columns per panel.
        public var width: Int { kind.rawValue }

        /// Panels of the packed matrix.
        public var panels: Int { (n + width - 1) / width }

        /// Floats of the packed matrix.
        public var floats: Int { panels * width * k }

        /// Whether a row-major (not transposed) B with row stride `ldb` already is this packed matrix: one whole
        /// panel, rows contiguous.
        public func isPacked(rowMajorB: Bool, ldb: Int) -> Bool { rowMajorB && n == width && ldb == n }
    }

    /// Packs op(B) (k, n) as `PackedLayout(k: k, n: n)` describes.
    public static func packB(
        transposed: Bool, b: UnsafePointer<Float>, ldb: Int, k: Int, n: Int, into panels: UnsafeMutablePointer<Float>
    ) {
        let layout = PackedLayout(k: k, n: n)
        packB(transposed: transposed, b: b, ldb: ldb, layout: layout, panels: 0..<layout.panels, into: panels)
    }

    /// Packs the panels `panels` of op(B) (`layout.k`, `layout.n`) into their places in `packed` (the whole packed
    /// matrix): threads may pack disjoint ranges of one matrix at once.
    public static func packB(
        transposed: Bool, b: UnsafePointer<Float>, ldb: Int, layout: PackedLayout, panels: Range<Int>,
        into packed: UnsafeMutablePointer<Float>
    ) {
        let width = layout.width, k = layout.k, n = layout.n
        for panel in panels {
            let j0 = panel * width
            let columns = min(width, n - j0)
            let dst = packed + j0 * k
            if transposed {
                // op(B)(k, j) = b[j·ldb + k]: each stored row is one column of the panel. In blocks of 16 steps, so
                // the writes of a block stay within 16 panel rows (4 KiB, in L1) while every column passes
                // (column by column over all k scattered each write over the whole panel, and a transposed product
                // ran markedly slower than the same product without the transpose).
                var s0 = 0
                while s0 < k {
                    let steps = min(16, k - s0)
                    for j in 0..<columns {
                        let src = b + (j0 + j) * ldb + s0
                        let out = dst + s0 * width + j
                        for t in 0..<steps { out[t * width] = src[t] }
                    }
                    s0 += steps
                }
            } else if columns == width {
                // Whole panel rows: vector copies (a memmove call per 128–256 bytes cost more than the copy).
                typealias V = SIMD16<Float>
                for step in 0..<k {
                    let src = UnsafeRawPointer(b + step * ldb + j0), out = UnsafeMutableRawPointer(dst + step * width)
                    var offset = 0
                    while offset < width * 4 {
                        out.storeBytes(of: src.loadUnaligned(fromByteOffset: offset, as: V.self), toByteOffset: offset, as: V.self)
                        offset += 64
                    }
                }
            } else {
                for step in 0..<k { (dst + step * width).update(from: b + step * ldb + j0, count: columns) }
            }
            if columns < width {
                for step in 0..<k { (dst + step * width + columns).update(repeating: 0, count: width - columns) }
            }
        }
    }

    /// C = S for an empty depth.
    static func writeStart(
        m: Int, n: Int, bias: UnsafePointer<Float>?, accumulate: Bool, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard !accumulate, n > 0 else { return }
        for i in 0..<m {
            if let bias { (c + i * ldc).update(from: bias, count: n) } else { (c + i * ldc).update(repeating: 0, count: n) }
        }
    }

    /// The product itself, op(B) packed: `packed` points at column 0, step 0 of the part used; panels are
    /// `layout.width` wide and `layout.width · layout.k` floats apart.
    static func run(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, transA: Bool, packed: UnsafePointer<Float>,
        layout: PackedLayout, bias: UnsafePointer<Float>?, accumulate: Bool, c: UnsafeMutablePointer<Float>, ldc: Int,
        scratch: Scratch
    ) {
        let rows = MicroKernel.rows, width = layout.width, kind = layout.kind
        let panels = (n + width - 1) / width
        let passes = (k + depthBlock - 1) / depthBlock
        // Rows blockStart ..< blockEnd of C, one depth pass, one panel: every 6-row strip over the panel's part.
        // `packedA`: the block's full strips of a transposed A for this pass, packed by `packTransposedA`.
        // `ahead`: B's next block (floats) to fetch into L2 while these strips run, spread over them.
        @inline(__always) func strips(
            _ blockStart: Int, _ blockEnd: Int, pass: Int, panel: Int, packedA: Bool,
            ahead: (UnsafePointer<Float>, Int)? = nil
        ) {
            let k0 = pass * depthBlock, depth = min(depthBlock, k - k0)
            // Where this pass starts from: C after the first depth block, else what the caller asked for.
            let start: Start = k0 > 0 || accumulate ? .c : bias.map { .bias($0) } ?? .zero
            let j0 = panel * width, columns = min(width, n - j0)
            let bp = packed + panel * width * layout.k + k0 * width
            var i0 = blockStart
            while i0 < blockEnd {
                // 6-row strips; the last 8 or 4 rows of the product in 4-row strips (no padded strip for them)
                let remaining = m - i0
                let strip = remaining == 8 || remaining == 4 ? 4 : min(rows, remaining)
                if let (next, floats) = ahead {
                    // this strip's share of the next block's cache lines (16 floats each)
                    let lines = (floats + 15) / 16
                    let first = (i0 - blockStart) * lines / (blockEnd - blockStart)
                    let last = (i0 - blockStart + strip) * lines / (blockEnd - blockStart)
                    for line in first..<last { lema_prefetch_l2(next + line * 16) }
                }
                // op(A) rows i0 ..< i0+6, depth k0 ..< k0+depth, read in place (packing it into strips measured
                // slower at every shape of the model, single- and two-threaded)
                let ap = transA ? a + k0 * lda + i0 : a + i0 * lda + k0
                let ct = c + i0 * ldc + j0
                if (strip == rows || strip == 4) && columns == width {
                    let (s, stride) = start.pointer(c: ct, ldc: ldc, column: j0)
                    // (4-row strips come after the last packed 6-row strip and read A in place)
                    let inPack = packedA && strip == rows
                    let (pa, pl) = inPack ? (UnsafePointer(scratch.aBlock + (i0 - blockStart) * depth), rows) : (ap, lda)
                    MicroKernel.run(
                        kind, strip == rows ? .six : .four, columnMajorA: transA, depth: depth, a: pa, lda: pl, b: bp,
                        c: ct, ldc: ldc, start: s, startStride: stride)
                } else {
                    edgeTile(
                        kind, transA: transA, strip: strip, columns: columns, depth: depth, a: ap, lda: lda, b: bp,
                        c: ct, ldc: ldc, start: start, column: j0, scratch: scratch)
                }
                i0 += strip
            }
        }
        guard m > rowBlock else {
            // One block of rows (decoding, attention): each panel through all its passes, so B — read once, and from
            // L3 or memory when it is a layer's weight — streams in order. The first strip of a block would wait for
            // B to arrive (the hardware prefetcher only follows it), so each block's strips fetch the next block
            // into L2 meanwhile — when B is large enough to come from beyond L2 at all: a head's packed keys or
            // values (8–64 KiB) are still in L1 or L2, and fetching them again only costs time.
            let streamed = layout.floats > streamedFloats
            // B's block after (panel, pass) in that order, and its floats; nil after the last.
            func nextBlock(panel: Int, pass: Int) -> (UnsafePointer<Float>, Int)? {
                if pass + 1 < passes {
                    let k1 = (pass + 1) * depthBlock
                    return (packed + panel * width * layout.k + k1 * width, min(depthBlock, k - k1) * width)
                }
                guard panel + 1 < panels else { return nil }
                return (packed + (panel + 1) * width * layout.k, min(depthBlock, k) * width)
            }
            for panel in 0..<panels {
                for pass in 0..<passes {
                    let ahead = streamed ? nextBlock(panel: panel, pass: pass) : nil
                    strips(0, m, pass: pass, panel: panel, packedA: false, ahead: ahead)
                }
            }
            return
        }
        // Row blocks of C outermost: the block's C (≤ 192 × n) stays in L2 through every depth pass, and each pass's
        // strips of A (192 × 128) through every panel of B; a panel (128 × 64) stays in L1 through every strip.
        // (Either order sums each element of C the same way: pass after pass.)
        var blockStart = 0
        while blockStart < m {
            let blockEnd = min(m, blockStart + rowBlock)
            for pass in 0..<passes {
                // A transposed A whose stored rows are more than 2 KiB apart steps past the L1 stride prefetcher's
                // reach (each depth step is a new row): this pass's full strips of the block are copied together
                // first, reading whole stretches of each row. Below 2 KiB apart copying costs more than it saves
                // (figures in docs/operations.md, "Kernel design measurements").
                let packA = transA && lda > 512
                if packA {
                    packTransposedA(a: a, lda: lda, i0: blockStart, count: blockEnd - blockStart,
                                    k0: pass * depthBlock, depth: min(depthBlock, k - pass * depthBlock), into: scratch.aBlock)
                }
                for panel in 0..<panels { strips(blockStart, blockEnd, pass: pass, panel: panel, packedA: packA) }
            }
            blockStart = blockEnd
        }
    }

    /// Copies the full 6-row strips of a transposed A — op(A)(i, k) = a[k·lda + i] — rows i0 ..< i0+count, depth
    /// k0 ..< k0+depth, into strips of (depth, 6) at `dst` (strip s at s·6·depth): the layout the column-major tile
    /// reads with lda 6. The last partial strip, if any, is left to `edgeTile`.
    static func packTransposedA(
        a: UnsafePointer<Float>, lda: Int, i0: Int, count: Int, k0: Int, depth: Int, into dst: UnsafeMutablePointer<Float>
    ) {
        let rows = MicroKernel.rows, strips = count / rows
        for k in 0..<depth {
            let src = UnsafeRawPointer(a + (k0 + k) * lda + i0)
            var out = UnsafeMutableRawPointer(dst + k * rows)
            for s in 0..<strips {
                let o = s * rows * 4
                out.storeBytes(of: src.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self), as: SIMD4<Float>.self)
                out.storeBytes(of: src.loadUnaligned(fromByteOffset: o + 16, as: SIMD2<Float>.self), toByteOffset: 16, as: SIMD2<Float>.self)
                out += depth * rows * 4
            }
        }
    }

    /// The starting values of a pass over C.
    enum Start {
        case zero, c
        case bias(UnsafePointer<Float>)

        /// The kernel's start pointer and row stride for the tile at `c` (column `column` of C).
        @inline(__always)
        func pointer(c: UnsafeMutablePointer<Float>, ldc: Int, column: Int) -> (UnsafePointer<Float>?, Int) {
            switch self {
            case .zero: return (nil, 0)
            case .c: return (UnsafePointer(c), ldc)
            case .bias(let bias): return (bias + column, 0)
            }
        }
    }

    /// A tile cut by the edge of C: the rows of A it has are copied into a zero-padded 6-row strip and C goes
    /// through a full-size scratch tile, so the kernel never reads or writes outside the matrices — and every
    /// element is summed exactly as it would be inside a full tile.
    static func edgeTile(
        _ kind: MicroKernel.Width, transA: Bool, strip: Int, columns: Int, depth: Int, a: UnsafePointer<Float>,
        lda: Int, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, start: Start, column: Int,
        scratch: Scratch
    ) {
        let rows = MicroKernel.rows, width = kind.rawValue
        var ap = a, aStride = lda
        if strip < rows {
            let s = scratch.strip
            if transA {
                // (depth, 6): step k holds the strip's 6 values
                for k in 0..<depth {
                    for i in 0..<rows { s[k * rows + i] = i < strip ? a[k * lda + i] : 0 }
                }
                aStride = rows
            } else {
                // (6, depth)
                for i in 0..<rows {
                    if i < strip {
                        (s + i * depth).update(from: a + i * lda, count: depth)
                    } else {
                        (s + i * depth).update(repeating: 0, count: depth)
                    }
                }
                aStride = depth
            }
            ap = UnsafePointer(s)
        }
        // The tile's starting rows, copied in for the columns C has (the rest of the tile is never written back).
        let t = scratch.tile
        let (s, stride) = start.pointer(c: c, ldc: ldc, column: column)
        if let s {
            for i in 0..<strip { (t + i * width).update(from: s + i * stride, count: columns) }
        }
        MicroKernel.run(
            kind, columnMajorA: transA, depth: depth, a: ap, lda: aStride, b: b, c: t, ldc: width,
            start: s == nil ? nil : UnsafePointer(t), startStride: width)
        for i in 0..<strip { (c + i * ldc).update(from: t + i * width, count: columns) }
    }

    /// Working memory of one call, 64-byte aligned: the packed panels of B (none when given packed), one
    /// zero-padded strip of A, a block of packed strips of A (`packTransposedA`) and one tile of C. Carved from a
    /// buffer kept per thread (see `ThreadScratch`): allocating it per call cost page faults on every call once it
    /// passed malloc's mmap threshold (1 MiB of packed B for a weight gradient).
    struct Scratch {
        let panels: UnsafeMutablePointer<Float>
        let strip: UnsafeMutablePointer<Float>
        let tile: UnsafeMutablePointer<Float>
        let aBlock: UnsafeMutablePointer<Float>

        init(panelFloats: Int, depth: Int, width: Int) {
            let stripFloats = (MicroKernel.rows * depth + 15) / 16 * 16
            let tileFloats = MicroKernel.rows * width
            let floats = ThreadScratch.floats(panelFloats + stripFloats + tileFloats + rowBlock * depth)
            panels = floats
            strip = floats + panelFloats
            tile = strip + stripFloats
            aBlock = tile + tileFloats
        }
    }
}
