import Foundation
@testable import Kernels
import Synchronization
import Testing

/// `Parallel` on the helper pool: every index or chunk runs exactly once whatever the thread count, callers that
/// find the helpers busy (concurrent or nested calls) finish alone, and helpers that went to sleep wake for work.
@Suite("Parallel: each piece exactly once, on whichever thread is free")
struct ParallelTests {
    /// Per-index run counts, safe to bump from any thread.
    final class Counts: Sendable {
        let slots: Mutex<[Int]>
        init(_ n: Int) { slots = Mutex([Int](repeating: 0, count: n)) }
        func bump(_ i: Int) { slots.withLock { $0[i] += 1 } }
        var values: [Int] { slots.withLock { $0 } }
    }

    @Test(arguments: [(0, 2), (1, 2), (5, 1), (5, 2), (1000, 2), (1000, 8)])
    func piecesRunOnceEach(count: Int, threads: Int) {
        let counts = Counts(count)
        Parallel.forEachPiece(count: count, threads: threads) { counts.bump($0) }
        #expect(counts.values == [Int](repeating: 1, count: count))
    }

    @Test(arguments: [(0, 2), (1, 2), (7, 2), (7, 3), (100, 8)])
    func chunksCoverTheRangeOnce(count: Int, threads: Int) {
        let counts = Counts(count), chunks = Counts(max(1, threads))
        Parallel.forEachChunkIndexed(count: count, threads: threads) { chunk, range in
            chunks.bump(chunk)
            for i in range { counts.bump(i) }
        }
        #expect(counts.values == [Int](repeating: 1, count: count))
        // one call per chunk index, min(threads, count) of them
        #expect(chunks.values.reduce(0, +) == min(threads, count))
        #expect(chunks.values.allSatisfy { $0 <= 1 })
    }

    /// Slots are per thread: a slot is never in use by two pieces at once, and stays below the thread count.
    @Test(arguments: [1, 2, 3])
    func slotsAreNeverShared(threads: Int) {
        let busy = Counts(threads), clashes = Counts(1), counts = Counts(500)
        Parallel.forEachPiece(count: 500, threads: threads) { piece, slot in
            guard slot < threads else { return clashes.bump(0) }
            busy.slots.withLock { if $0[slot] != 0 { clashes.bump(0) }; $0[slot] += 1 }
            counts.bump(piece)
            for _ in 0..<200 { _ = busy.values }  // some work, so pieces overlap
            busy.slots.withLock { $0[slot] -= 1 }
        }
        #expect(clashes.values == [0])
        #expect(counts.values == [Int](repeating: 1, count: 500))
    }

    /// Eight threads calling at once (the helpers are busy with one caller's job, so the others run theirs alone)
    /// and calls nested inside a piece all complete with every index run once.
    @Test func concurrentAndNestedCallsComplete() {
        let callers = 8, rounds = 200, inner = 16
        let counts = Counts(callers * rounds * inner)
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            for round in 0..<rounds {
                Parallel.forEachChunk(count: 2, threads: 2) { halves in
                    for half in halves {
                        Parallel.forEachPiece(count: inner / 2, threads: 2) { piece in
                            counts.bump((caller * rounds + round) * inner + half * inner / 2 + piece)
                        }
                    }
                }
            }
        }
        #expect(counts.values == [Int](repeating: 1, count: callers * rounds * inner))
    }

    /// The race behind a hang of `concurrentAndNestedCallsComplete`: caller A's job is run by a helper, which is then
    /// posted caller B's job; A's withdrawal must not take B's post off the helper (B would then wait forever for a
    /// helper that never runs its job). Driven by hand on a helper without a thread, so the order is exact.
    @Test func withdrawingTakesOffOnlyTheCallersOwnPost() throws {
        let helper = HelperPool.Helper()  // not started: the test plays the helper thread
        let jobA = HelperPool.Job(body: { _, _ in }, chunks: 1), jobB = HelperPool.Job(body: { _, _ in }, chunks: 1)
        let ticketA = try #require(helper.post(Unmanaged.passUnretained(jobA), slot: 1))
        #expect(helper.post(Unmanaged.passUnretained(jobB), slot: 1) == nil)  // busy: A's post is waiting
        // The helper takes A's job, runs it and is idle again …
        let postedA = helper.state.load(ordering: .acquiring)
        #expect(helper.state.compareExchange(expected: postedA, desired: HelperPool.Helper.running,
                                             ordering: .acquiring).exchanged)
        helper.state.store(HelperPool.Helper.idle, ordering: .releasing)
        // … and B posts to it before A withdraws.
        let ticketB = try #require(helper.post(Unmanaged.passUnretained(jobB), slot: 1))
        #expect(ticketB != ticketA)
        #expect(!helper.withdraw(ticket: ticketA))  // A's job was run: A waits for it to leave, B's post stays
        #expect(helper.state.load(ordering: .acquiring) & HelperPool.Helper.stateMask == HelperPool.Helper.posted)
        #expect(helper.withdraw(ticket: ticketB))   // B can still take its own post back
        #expect(helper.state.load(ordering: .acquiring) == HelperPool.Helper.idle)
    }

    /// After a pause longer than the helpers poll, they are asleep; the next call must wake one (or finish alone).
    @Test func workAfterTheHelpersSleptCompletes() {
        for _ in 0..<3 {
            usleep(2_000)
            let counts = Counts(64)
            Parallel.forEachPiece(count: 64, threads: 2) { counts.bump($0) }
            #expect(counts.values == [Int](repeating: 1, count: 64))
        }
    }
}
