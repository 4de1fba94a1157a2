/// The inner product of the GEMM: one 6 × 64 tile of C, held in 24 zmm registers (6 rows × 4 vectors of 16 floats)
/// while the depth loop streams a packed 64-wide panel of B and broadcasts one element of A per row and step —
/// 24 FMAs for 4 vector loads and 6 broadcasts, so the two FMA pipes stay busy. 6 × 64 rather than a taller tile:
/// with A read in place (not packed) the 6 row pointers fit the general registers. A 6 × 32 variant (12
/// accumulators, 32-wide panels) serves products only 32 columns wide — attention heads — without computing 32
/// columns of padding.
///
/// Every element of C is summed in one fixed order — its starting value, then k = 0, 1, … — whatever the tile's
/// position or the caller's split of the matrix, so results never depend on blocking or threads.
enum MicroKernel {
    static let rows = 6

    /// Panel widths: 64 columns, or 32 for products at most 32 wide.
    enum Width: Int, Sendable {
        case narrow = 32
        case wide = 64

        /// The width used for a product n columns wide.
        static func forColumns(_ n: Int) -> Width { n <= 32 ? .narrow : .wide }
    }

    /// Rows of a tile: 6, or 4 for the last rows of a product whose rows are 2 or 4 more than a multiple of 6
    /// (decoding's 32 rows: 6 + 6 + 6 + 6 + 4 + 4 instead of five full tiles and a padded sixth).
    enum Height: Int, Sendable {
        case six = 6
        case four = 4
    }

    /// One tile with A row-major — A(i, k) = a[i·lda + k] — or column-major (a transposed row-major matrix,
    /// or a packed strip) — A(i, k) = a[k·lda + i].
    @inline(__always)
    static func run(
        _ width: Width, _ height: Height = .six, columnMajorA: Bool, depth: Int, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, start: UnsafePointer<Float>?,
        startStride: Int
    ) {
        let x = (depth, a, lda, b, c, ldc, start, startStride)
        switch (width, height, columnMajorA) {
        case (.wide, .six, false): wideRowMajorA(x)
        case (.wide, .six, true): wideColumnMajorA(x)
        case (.narrow, .six, false): narrowRowMajorA(x)
        case (.narrow, .six, true): narrowColumnMajorA(x)
        case (.wide, .four, false): wideRowMajorA4(x)
        case (.wide, .four, true): wideColumnMajorA4(x)
        case (.narrow, .four, false): narrowRowMajorA4(x)
        case (.narrow, .four, true): narrowColumnMajorA4(x)
        }
    }

    // One compiled function per (width, height, layout): the generic tile is specialised and inlined into each.
    typealias Arguments = (
        Int, UnsafePointer<Float>, Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, UnsafePointer<Float>?,
        Int
    )
    @inline(never) static func wideRowMajorA(_ x: Arguments) { tile(Wide.self, Six.self, RowMajor.self, x) }
    @inline(never) static func wideColumnMajorA(_ x: Arguments) { tile(Wide.self, Six.self, ColumnMajor.self, x) }
    @inline(never) static func narrowRowMajorA(_ x: Arguments) { tile(Narrow.self, Six.self, RowMajor.self, x) }
    @inline(never) static func narrowColumnMajorA(_ x: Arguments) { tile(Narrow.self, Six.self, ColumnMajor.self, x) }
    @inline(never) static func wideRowMajorA4(_ x: Arguments) { tile(Wide.self, Four.self, RowMajor.self, x) }
    @inline(never) static func wideColumnMajorA4(_ x: Arguments) { tile(Wide.self, Four.self, ColumnMajor.self, x) }
    @inline(never) static func narrowRowMajorA4(_ x: Arguments) { tile(Narrow.self, Four.self, RowMajor.self, x) }
    @inline(never) static func narrowColumnMajorA4(_ x: Arguments) { tile(Narrow.self, Four.self, ColumnMajor.self, x) }

    protocol Layout { static var transposed: Bool { get } }
    enum RowMajor: Layout { static var transposed: Bool { false } }
    enum ColumnMajor: Layout { static var transposed: Bool { true } }
    protocol Columns { static var wide: Bool { get } }
    enum Wide: Columns { static var wide: Bool { true } }
    enum Narrow: Columns { static var wide: Bool { false } }
    protocol Rows { static var six: Bool { get } }
    enum Six: Rows { static var six: Bool { true } }
    enum Four: Rows { static var six: Bool { false } }

    typealias Vec = SIMD16<Float>

    /// C[0..<h, 0..<w] (row stride ldc) = S + A[0..<h, 0..<depth] · B, h = 6 (`Six`) or 4, w = 64 (`Wide`) or 32,
    /// where B is a packed panel (w consecutive floats per depth step) and S the starting values: rows of `start`
    /// `startStride` apart (C itself to accumulate, a bias row with stride 0), or zeros when nil. The accumulators
    /// are written out as separate variables so the compiler keeps each in a register (checked in the assembly: one
    /// broadcast and 4 FMAs per row and step); the smaller tiles' unused ones are removed by specialisation. The
    /// height never changes how an element is summed.
    @inline(__always)
    static func tile<W: Columns, R: Rows, L: Layout>(_: W.Type, _: R.Type, _: L.Type, _ x: Arguments) {
        let (depth, a, lda, b, c, ldc, start, startStride) = x
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> Vec {
            UnsafeRawPointer(p).loadUnaligned(as: Vec.self)
        }
        @inline(__always) func store(_ v: Vec, _ p: UnsafeMutablePointer<Float>) {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self)
        }
        let w = W.wide ? 64 : 32
        var c00 = Vec(), c01 = Vec(), c02 = Vec(), c03 = Vec()
        var c10 = Vec(), c11 = Vec(), c12 = Vec(), c13 = Vec()
        var c20 = Vec(), c21 = Vec(), c22 = Vec(), c23 = Vec()
        var c30 = Vec(), c31 = Vec(), c32 = Vec(), c33 = Vec()
        var c40 = Vec(), c41 = Vec(), c42 = Vec(), c43 = Vec()
        var c50 = Vec(), c51 = Vec(), c52 = Vec(), c53 = Vec()
        if let s = start {
            var p = s
            let ldc = startStride
            c00 = load(p); c01 = load(p + 16); p += ldc
            c10 = load(p); c11 = load(p + 16); p += ldc
            c20 = load(p); c21 = load(p + 16); p += ldc
            c30 = load(p); c31 = load(p + 16); p += ldc
            if R.six {
                c40 = load(p); c41 = load(p + 16); p += ldc
                c50 = load(p); c51 = load(p + 16)
            }
            if W.wide {
                p = s + 32
                c02 = load(p); c03 = load(p + 16); p += ldc
                c12 = load(p); c13 = load(p + 16); p += ldc
                c22 = load(p); c23 = load(p + 16); p += ldc
                c32 = load(p); c33 = load(p + 16); p += ldc
                if R.six {
                    c42 = load(p); c43 = load(p + 16); p += ldc
                    c52 = load(p); c53 = load(p + 16)
                }
            }
        }
        let r0 = a, r1 = a + lda, r2 = a + 2 * lda, r3 = a + 3 * lda
        let r4 = R.six ? a + 4 * lda : a, r5 = R.six ? a + 5 * lda : a
        var column = a  // column-major A: the 6 values of step k are a[k·lda ..< k·lda + 6]
        var bp = b
        for k in 0..<depth {
            let b0 = load(bp), b1 = load(bp + 16)
            let b2 = W.wide ? load(bp + 32) : Vec(), b3 = W.wide ? load(bp + 48) : Vec()
            bp += w
            let x0, x1, x2, x3: Float
            var x4: Float = 0, x5: Float = 0
            if L.transposed {
                x0 = column[0]; x1 = column[1]; x2 = column[2]; x3 = column[3]
                if R.six { x4 = column[4]; x5 = column[5] }
                column += lda
            } else {
                x0 = r0[k]; x1 = r1[k]; x2 = r2[k]; x3 = r3[k]
                if R.six { x4 = r4[k]; x5 = r5[k] }
            }
            var x = Vec(repeating: x0)
            c00.addProduct(x, b0); c01.addProduct(x, b1)
            if W.wide { c02.addProduct(x, b2); c03.addProduct(x, b3) }
            x = Vec(repeating: x1)
            c10.addProduct(x, b0); c11.addProduct(x, b1)
            if W.wide { c12.addProduct(x, b2); c13.addProduct(x, b3) }
            x = Vec(repeating: x2)
            c20.addProduct(x, b0); c21.addProduct(x, b1)
            if W.wide { c22.addProduct(x, b2); c23.addProduct(x, b3) }
            x = Vec(repeating: x3)
            c30.addProduct(x, b0); c31.addProduct(x, b1)
            if W.wide { c32.addProduct(x, b2); c33.addProduct(x, b3) }
            if R.six {
                x = Vec(repeating: x4)
                c40.addProduct(x, b0); c41.addProduct(x, b1)
                if W.wide { c42.addProduct(x, b2); c43.addProduct(x, b3) }
                x = Vec(repeating: x5)
                c50.addProduct(x, b0); c51.addProduct(x, b1)
                if W.wide { c52.addProduct(x, b2); c53.addProduct(x, b3) }
            }
        }
        var p = c
        store(c00, p); store(c01, p + 16); p += ldc
        store(c10, p); store(c11, p + 16); p += ldc
        store(c20, p); store(c21, p + 16); p += ldc
        store(c30, p); store(c31, p + 16); p += ldc
        if R.six {
            store(c40, p); store(c41, p + 16); p += ldc
            store(c50, p); store(c51, p + 16)
        }
        if W.wide {
            p = c + 32
            store(c02, p); store(c03, p + 16); p += ldc
            store(c12, p); store(c13, p + 16); p += ldc
            store(c22, p); store(c23, p + 16); p += ldc
            store(c32, p); store(c33, p + 16); p += ldc
            if R.six {
                store(c42, p); store(c43, p + 16); p += ldc
                store(c52, p); store(c53, p + 16)
            }
        }
    }
}
