import Kernels
import Testing

/// `LargeBuffer`: 64-byte alignment for every size (the GEMM's vector loads and the packed panels assume it), 2 MiB
/// alignment from 2 MiB on (a huge page can only back an aligned 2 MiB range), and every float usable.
@Suite("LargeBuffer: aligned float buffers, huge-page sized from 2 MiB on")
struct LargeBufferTests {
    @Test(arguments: [0, 1, 17, 4096, 512 * 1024 - 1, 512 * 1024, 3 * 512 * 1024 + 5])
    func alignedAndWritable(count: Int) {
        let p = LargeBuffer.allocateFloats(count)
        defer { LargeBuffer.free(p) }
        let address = UInt(bitPattern: p)
        #expect(address % 64 == 0)
        let bytes = max(count, 1) * 4
        if bytes >= 2 << 20 { #expect(address % (2 << 20) == 0) }
        let n = max(count, 1)
        for i in 0..<n { p[i] = Float(i % 1000) }
        var sum = 0.0
        for i in 0..<n { sum += Double(p[i]) }
        let expected = (0..<n).reduce(0.0) { $0 + Double($1 % 1000) }
        #expect(sum == expected)
    }
}
