/// Splits work across a given number of threads. Every kernel takes a `threads` argument and passes it here, so the
/// caller (the worker pool) decides how many cores a model uses and the machine is never oversubscribed. The calling
/// thread works too; the others come from `HelperPool` (threads that poll briefly between kernels, so a hand-off
/// costs well under a microsecond instead of a wake-up).
///
/// Determinism: callers split work so that each output element is computed by exactly one chunk with a fixed
/// sequence of floating-point operations; the partition therefore never changes results, only speed.
public enum Parallel {
    /// Calls `body(range)` for `threads` contiguous chunks covering `0..<count` (fewer if `count` is small).
    /// With one thread (or one chunk) the body runs inline on the calling thread, with no dispatch overhead.
    public static func forEachChunk(count: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        forEachChunkIndexed(count: count, threads: threads) { _, range in body(range) }
    }

    /// Calls `body(i)` for every i in 0..<count on up to `threads` threads, each taking the next piece as soon as it
    /// is done with one: for work split into more pieces than threads, so that a thread slowed down by another
    /// process on its core takes fewer pieces instead of holding the others up. Only for pieces whose results do
    /// not depend on which thread runs them (they never do here: each piece is one fixed computation).
    public static func forEachPiece(count: Int, threads: Int, _ body: (Int) -> Void) {
        forEachPiece(count: count, threads: threads) { piece, _ in body(piece) }
    }

    /// `forEachPiece` that also passes the thread's slot in `0..<threads` (no two threads of one call share one):
    /// an index for per-thread scratch memory.
    public static func forEachPiece(count: Int, threads: Int, _ body: (_ piece: Int, _ slot: Int) -> Void) {
        if threads <= 1 || count <= 1 {
            for i in 0..<count { body(i, 0) }
            return
        }
        HelperPool.shared.run(chunks: count, threads: threads, body)
    }

    /// `forEachPiece` over `0..<count` cut into pieces of `pieceSize` (the last may be shorter): `body(slot, range)`.
    public static func forEachPiece(
        count: Int, pieceSize: Int, threads: Int, _ body: (_ slot: Int, _ range: Range<Int>) -> Void
    ) {
        forEachPiece(count: (count + pieceSize - 1) / pieceSize, threads: threads) { piece, slot in
            body(slot, (piece * pieceSize)..<min(count, (piece + 1) * pieceSize))
        }
    }

    /// Calls `body(range)` once per fixed-size block of `0..<count` (the last block may be shorter), spreading
    /// contiguous runs of blocks over the threads. The blocks do not depend on `threads`, so work whose result
    /// depends on the block shape (a BLAS call: its edge kernels may sum in another order) stays bit-identical
    /// whatever the thread count.
    public static func forEachBlock(count: Int, blockSize: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        let blocks = (count + blockSize - 1) / blockSize
        forEachChunk(count: blocks, threads: threads) { run in
            for blk in run { body((blk * blockSize)..<min(count, (blk + 1) * blockSize)) }
        }
    }

    /// The threads worth using for `work` units when each thread should get at least `minWorkPerThread` (a wake-up
    /// of a second thread costs microseconds: small decode-step ops run faster inline). Only for work whose results
    /// do not depend on the partition (elementwise or row-wise ops).
    @inline(__always)
    public static func threads(_ threads: Int, work: Int, minWorkPerThread: Int) -> Int {
        max(1, min(threads, work / max(1, minWorkPerThread)))
    }

    /// Like `forEachChunk`, but also passes the chunk index (`0..<threads`), e.g. to pick per-thread scratch memory.
    public static func forEachChunkIndexed(count: Int, threads: Int, _ body: (Int, Range<Int>) -> Void) {
        let chunks = max(1, min(threads, count))
        if chunks == 1 {
            if count > 0 { body(0, 0..<count) }
            return
        }
        HelperPool.shared.run(chunks: chunks, threads: chunks) { i, _ in
            body(i, (count * i / chunks)..<(count * (i + 1) / chunks))
        }
    }
}
