import Kernels
import LemaCore

/// Random test data from a fixed seed.
struct Draw {
    var rng: SeededRNG
    init(_ seed: UInt64) { rng = SeededRNG(seed: seed) }
    mutating func doubles(_ n: Int, scale: Double = 1) -> [Double] { (0..<n).map { _ in rng.nextGaussian() * scale } }
    mutating func tokens(_ n: Int, below v: Int) -> [Int32] { (0..<n).map { _ in Int32(rng.nextInt(below: v)) } }
}

/// max |a − b| / max |b|: the error relative to the tensor's scale (elementwise ratios blow up near zero).
func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    var diff = 0.0, scale = 1e-30
    for i in a.indices {
        diff = max(diff, abs(a[i] - b[i]))
        scale = max(scale, abs(b[i]))
    }
    return diff / scale
}

func toFloat(_ x: [Double]) -> [Float] { x.map { Float($0) } }
func toDouble(_ x: [Float]) -> [Double] { x.map { Double($0) } }

/// Central finite differences of a scalar function at x: (f(x+h) − f(x−h)) / 2h per coordinate.
func numericGradient(_ x: [Double], h: Double = 1e-5, _ f: ([Double]) -> Double) -> [Double] {
    var g = [Double](repeating: 0, count: x.count)
    var y = x
    for i in x.indices {
        y[i] = x[i] + h
        let plus = f(y)
        y[i] = x[i] - h
        let minus = f(y)
        y[i] = x[i]
        g[i] = (plus - minus) / (2 * h)
    }
    return g
}

/// Σ a·b — turns an op's output into a scalar loss whose output gradient is `b`.
func dotD(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

/// Runs `body` with mutable Float buffers initialised from arrays and returns their final contents.
func withBuffers(_ arrays: [[Float]], _ body: ([UnsafeMutablePointer<Float>]) -> Void) -> [[Float]] {
    let ptrs = arrays.map { a -> UnsafeMutablePointer<Float> in
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(a.count, 1))
        p.initialize(from: a, count: a.count)
        return p
    }
    defer { ptrs.forEach { $0.deallocate() } }
    body(ptrs)
    return zip(ptrs, arrays).map { Array(UnsafeBufferPointer(start: $0, count: $1.count)) }
}
