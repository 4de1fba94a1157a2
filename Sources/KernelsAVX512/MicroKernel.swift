/// The inner product of the GEMM: one 6 × 64 tile of C, held in 24 zmm registers (6 rows × 4 vectors of 16 floats)
/// while the depth loop streams a packed 64-wide panel of B and broadcasts one element of A per row and step —
/// 24 FMAs for 4 vector loads and 6 broadcasts, so the two FMA pipes stay busy. 6 × 64 rather than a taller tile:
/// with A read in place (not packed) the 6 row pointers fit the general registers.
///
/// Every element of C is summed in one fixed order — its starting value, then k = 0, 1, … — whatever the tile's
/// position or the caller's split of the matrix, so results never depend on blocking or threads.
enum MicroKernel {
    static let rows = 6
    static let columns = 64

    /// Tile with A row-major: A(i, k) = a[i·lda + k].
    @inline(never)
    static func rowMajorA(
        depth: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
        ldc: Int, start: UnsafePointer<Float>?, startStride: Int
    ) {
        tile(RowMajor.self, depth: depth, a: a, lda: lda, b: b, c: c, ldc: ldc, start: start, startStride: startStride)
    }

    /// Tile with A column-major (a transposed row-major matrix): A(i, k) = a[k·lda + i].
    @inline(never)
    static func columnMajorA(
        depth: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
        ldc: Int, start: UnsafePointer<Float>?, startStride: Int
    ) {
        tile(ColumnMajor.self, depth: depth, a: a, lda: lda, b: b, c: c, ldc: ldc, start: start, startStride: startStride)
    }

    protocol Layout { static var transposed: Bool { get } }
    enum RowMajor: Layout { static var transposed: Bool { false } }
    enum ColumnMajor: Layout { static var transposed: Bool { true } }

    typealias Vec = SIMD16<Float>

    /// C[0..<6, 0..<64] (row stride ldc) = S + A[0..<6, 0..<depth] · B, where B is a packed panel (64 consecutive
    /// floats per depth step) and S the starting values: rows of `start` `startStride` apart (C itself to
    /// accumulate, a bias row with stride 0), or zeros when nil. The 24 accumulators are written out as separate variables so
    /// the compiler keeps each in a register (checked in the assembly: one broadcast + 4 FMAs per row and step).
    @inline(__always)
    static func tile<L: Layout>(
        _: L.Type, depth: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, start: UnsafePointer<Float>?, startStride: Int
    ) {
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> Vec {
            UnsafeRawPointer(p).loadUnaligned(as: Vec.self)
        }
        @inline(__always) func store(_ v: Vec, _ p: UnsafeMutablePointer<Float>) {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self)
        }
        var c00 = Vec(), c01 = Vec(), c02 = Vec(), c03 = Vec()
        var c10 = Vec(), c11 = Vec(), c12 = Vec(), c13 = Vec()
        var c20 = Vec(), c21 = Vec(), c22 = Vec(), c23 = Vec()
        var c30 = Vec(), c31 = Vec(), c32 = Vec(), c33 = Vec()
        var c40 = Vec(), c41 = Vec(), c42 = Vec(), c43 = Vec()
        var c50 = Vec(), c51 = Vec(), c52 = Vec(), c53 = Vec()
        if var p = start {
            let ldc = startStride
            c00 = load(p); c01 = load(p + 16); c02 = load(p + 32); c03 = load(p + 48); p += ldc
            c10 = load(p); c11 = load(p + 16); c12 = load(p + 32); c13 = load(p + 48); p += ldc
            c20 = load(p); c21 = load(p + 16); c22 = load(p + 32); c23 = load(p + 48); p += ldc
            c30 = load(p); c31 = load(p + 16); c32 = load(p + 32); c33 = load(p + 48); p += ldc
            c40 = load(p); c41 = load(p + 16); c42 = load(p + 32); c43 = load(p + 48); p += ldc
            c50 = load(p); c51 = load(p + 16); c52 = load(p + 32); c53 = load(p + 48)
        }
        let r0 = a, r1 = a + lda, r2 = a + 2 * lda, r3 = a + 3 * lda, r4 = a + 4 * lda, r5 = a + 5 * lda
        var column = a  // transposed A: the 6 values of step k are a[k·lda ..< k·lda + 6]
        var bp = b
        for k in 0..<depth {
            let b0 = load(bp), b1 = load(bp + 16), b2 = load(bp + 32), b3 = load(bp + 48)
            bp += columns
            let x0, x1, x2, x3, x4, x5: Float
            if L.transposed {
                x0 = column[0]; x1 = column[1]; x2 = column[2]; x3 = column[3]; x4 = column[4]; x5 = column[5]
                column += lda
            } else {
                x0 = r0[k]; x1 = r1[k]; x2 = r2[k]; x3 = r3[k]; x4 = r4[k]; x5 = r5[k]
            }
            var x = Vec(repeating: x0)
            c00.addProduct(x, b0); c01.addProduct(x, b1); c02.addProduct(x, b2); c03.addProduct(x, b3)
            x = Vec(repeating: x1)
            c10.addProduct(x, b0); c11.addProduct(x, b1); c12.addProduct(x, b2); c13.addProduct(x, b3)
            x = Vec(repeating: x2)
            c20.addProduct(x, b0); c21.addProduct(x, b1); c22.addProduct(x, b2); c23.addProduct(x, b3)
            x = Vec(repeating: x3)
            c30.addProduct(x, b0); c31.addProduct(x, b1); c32.addProduct(x, b2); c33.addProduct(x, b3)
            x = Vec(repeating: x4)
            c40.addProduct(x, b0); c41.addProduct(x, b1); c42.addProduct(x, b2); c43.addProduct(x, b3)
            x = Vec(repeating: x5)
            c50.addProduct(x, b0); c51.addProduct(x, b1); c52.addProduct(x, b2); c53.addProduct(x, b3)
        }
        var p = c
        store(c00, p); store(c01, p + 16); store(c02, p + 32); store(c03, p + 48); p += ldc
        store(c10, p); store(c11, p + 16); store(c12, p + 32); store(c13, p + 48); p += ldc
        store(c20, p); store(c21, p + 16); store(c22, p + 32); store(c23, p + 48); p += ldc
        store(c30, p); store(c31, p + 16); store(c32, p + 32); store(c33, p + 48); p += ldc
        store(c40, p); store(c41, p + 16); store(c42, p + 32); store(c43, p + 48); p += ldc
        store(c50, p); store(c51, p + 16); store(c52, p + 32); store(c53, p + 48)
    }
}
