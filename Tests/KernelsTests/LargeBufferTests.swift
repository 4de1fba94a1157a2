import Kernels
import Testing

/// `LargeBuffer`: 64-byte alignment for every size (the GEMM's vector loads and the packed panels assume it), 2 MiB
/// alignment from 2 MiB on (a huge page can only back an aligned 2 MiB range), and every float usable.
@Suite("LargeBuffer: aligned float buffers, huge-page sized from 2 MiB on")
struct LargeBufferTests {
    @Test(arguments: [0, 1, 17, 4096, 512 * 1024 - 1, 512 * 1024, 3 * 512 * 1024 + 5])
    func alignedAndWritable(count: Int) {
        let p = LargeBuffer.allocateFloats(count)
        defer { LargeBuffer.free(p, count: count) }
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

    /// A freed large buffer serves the next request of the same size (rounded to 2 MiB) instead of fresh pages; a
    /// request of another size gets other memory. (Sizes no other test uses, so parallel tests cannot take it.)
    @Test func freedLargeBlocksAreReusedForTheSameSize() {
        let count = 37 * 512 * 1024 + 5  // 74 MiB and a bit: rounds to 76 MiB
        let first = LargeBuffer.allocateFloats(count)
        first[count - 1] = 42
        LargeBuffer.free(first, count: count)
        let again = LargeBuffer.allocateFloats(count - 3)  // same rounded size
        #expect(again == first)
        LargeBuffer.free(again, count: count - 3)
        let other = LargeBuffer.allocateFloats(41 * 512 * 1024)  // 82 MiB: never the kept 76 MiB block
        #expect(other != first)
        other[41 * 512 * 1024 - 1] = 1  // all of it is there
        LargeBuffer.free(other, count: 41 * 512 * 1024)
    }
}
