import Foundation
import LemaCore
import StageAPI
import Testing
@testable import Stages

/// Counts which chunks ran (the work closure is @Sendable and may run on several threads).
private final class ChunkLog: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var chunks: [Range<Int>] = []
    func add(_ chunk: Range<Int>) { lock.withLock { chunks.append(chunk) } }
    var sorted: [Range<Int>] { lock.withLock { chunks.sorted { $0.lowerBound < $1.lowerBound } } }
}

private func payload(_ i: Int, _ tag: String = "") -> Data { Data("item\(i)\(tag)".utf8) }

@Suite("LedgeredMap")
struct LeMaLedgeredMapTests {
    let keys = (0..<10).map { "k\($0)" }

    @Test(arguments: [1, 3])
    func runsEveryChunkInKeyOrder(workers: Int) throws {
        let context = try FakeStageContext()
        defer { context.cleanUp() }
        let log = ChunkLog()
        let out = try LedgeredMap(keys: keys, chunkSize: 3, workers: workers).run(context) { chunk in
            log.add(chunk)
            return chunk.map { payload($0) }
        }
        #expect(out == (0..<10).map { payload($0) })
        #expect(log.sorted == [0..<3, 3..<6, 6..<9, 9..<10])
        guard let ledger = context.ledger as? InMemoryLedger else { Issue.record("ledger"); return }
        #expect(try ledger.finishedItems().count == 10)  // flushed at the end
        #expect(context.progressReports.last?.done == 10)
    }

    @Test func recordedChunksAreSkippedAndPartlyRecordedOnesKeepTheirFirstPayloads() throws {
        // k0…k2 (chunk 0) fully recorded, k4 (in chunk 3..<6) recorded: chunk 0 is skipped, chunk 1 reruns whole.
        var finished: [String: Data] = [:]
        for i in [0, 1, 2, 4] { finished["k\(i)"] = payload(i, "-old") }
        let context = try FakeStageContext(ledger: InMemoryLedger(finished: finished))
        defer { context.cleanUp() }
        let log = ChunkLog()
        let out = try LedgeredMap(keys: keys, chunkSize: 3, workers: 2).run(context) { chunk in
            log.add(chunk)
            return chunk.map { payload($0, "-new") }
        }
        #expect(log.sorted == [3..<6, 6..<9, 9..<10])
        #expect(out[0] == payload(0, "-old") && out[4] == payload(4, "-old") && out[3] == payload(3, "-new"))
        #expect(context.progressReports.first?.done == 3)
    }

    @Test func aFailingChunkKeepsTheOthersAndRethrows() throws {
        let context = try FakeStageContext()
        defer { context.cleanUp() }
        expectStageFailure(["boom at 6"]) {
            _ = try LedgeredMap(keys: keys, chunkSize: 3, workers: 1).run(context) { chunk in
                if chunk.contains(6) { throw StageFailure("boom at 6") }
                return chunk.map { payload($0) }
            }
        }
        guard let ledger = context.ledger as? InMemoryLedger else { Issue.record("ledger"); return }
        // Chunks before the failure are durable; nothing after it ran (one worker stops at the first error).
        #expect(try ledger.finishedItems().keys.sorted() == ["k0", "k1", "k2", "k3", "k4", "k5"])
    }

    @Test func aChunkReturningTheWrongCountIsAnError() throws {
        let context = try FakeStageContext()
        defer { context.cleanUp() }
        expectStageFailure(["chunk returned 1 results for 3 items"]) {
            _ = try LedgeredMap(keys: keys, chunkSize: 3, workers: 1).run(context) { _ in [Data()] }
        }
    }

    @Test func cancellationFlushesThenThrows() throws {
        let base = try FakeStageContext()
        defer { base.cleanUp() }
        let ledger = InMemoryLedger()
        let context = ScriptedContext(base: base, ledger: ledger, cancelAtProgress: 3)
        #expect(throws: StageCancelled.self) {
            _ = try LedgeredMap(keys: keys, chunkSize: 3, workers: 1).run(context) { $0.map { payload($0) } }
        }
        #expect(try ledger.finishedItems().keys.sorted() == ["k0", "k1", "k2"])
    }

    @Test func emptyKeysGiveNoPayloads() throws {
        let context = try FakeStageContext()
        defer { context.cleanUp() }
        let out = try LedgeredMap(keys: [], chunkSize: 0, workers: 4).run(context) { _ in
            Issue.record("work ran for no keys")
            return []
        }
        #expect(out.isEmpty)
    }
}
