import Dispatch

/// Dedupe's data-parallel loop over long per-record work, on `concurrentPerform`. Kept apart from Kernels'
/// `Parallel` on purpose: that one hands thousands of sub-millisecond pieces to polling helper threads, which would
/// spin needlessly through dedupe's few long chunks. Results must not depend on how items are split across threads.
enum ChunkedWork {
    /// Calls `body(range)` for contiguous chunks covering `0..<count`, on up to `threads` threads. Chunk boundaries
    /// depend on `threads`, so `body` must compute each item independently of which chunk it lands in.
    static func forEachChunk(count: Int, threads: Int, _ body: @Sendable (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let workers = max(1, min(threads, count))
        if workers == 1 { body(0..<count); return }
        // More chunks than workers so an unlucky slow chunk does not idle the others.
        let chunks = min(count, workers * 4)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let lo = count * chunk / chunks
            let hi = count * (chunk + 1) / chunks
            if lo < hi { body(lo..<hi) }
        }
    }
}

/// A fixed-size buffer shared by `Parallel` workers. Safe because every worker writes a disjoint set of indices
/// and nobody reads until `concurrentPerform` has returned (which orders the writes before the reads). Backed by
/// manually allocated memory rather than an Array property so concurrent writers do not trip Swift's dynamic
/// exclusivity checks (they touch different elements, which the checker cannot see).
final class SharedSlots<Element>: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<Element>

    init(repeating value: Element, count: Int) {
        buffer = UnsafeMutableBufferPointer.allocate(capacity: count)
        buffer.initialize(repeating: value)
    }

    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }

    var count: Int { buffer.count }

    /// Reads or writes one slot; callers guarantee no two threads touch the same index concurrently.
    subscript(index: Int) -> Element {
        get { buffer[index] }
        set { buffer[index] = newValue }
    }

    /// Direct access for a worker's inner loop; it must only touch its own indices.
    var unsafeBuffer: UnsafeMutableBufferPointer<Element> { buffer }

    /// A copy of the contents (after the parallel phase).
    func toArray() -> [Element] { Array(buffer) }
}
