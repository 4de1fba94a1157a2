import Foundation
import StageAPI
import Testing
@testable import Engine

private typealias Fx = StoreFixtures

@Suite("Store item ledger")
struct StoreLedgerTests {
    /// Batches by count: nothing reaches the file before `batchSize` records, all of them once it is reached.
    @Test func commitsWhenTheBatchIsFull() throws {
        try Fx.withTemporaryDirectory { dir in
            let writer = try Store(path: Fx.storeURL(dir), options: StoreOptions(batchSize: 10, maxDelay: 3600))
            defer { try? writer.close() }
            let observer = try Store(path: Fx.storeURL(dir))
            defer { try? observer.close() }
            let node = Fx.fingerprint("a")
            let ledger = writer.ledger(for: node)
            for i in 0..<9 { try ledger.record(key: "item-\(i)", payload: Fx.bytes("p\(i)")) }
            #expect(try observer.ledgerCount(node) == 0)
            try ledger.record(key: "item-9", payload: Fx.bytes("p9"))
            // The full batch is committed on the store's queue right away (not after the hour-long maxDelay).
            #expect(try Fx.eventually { try observer.ledgerCount(node) == 10 })
            #expect(try observer.ledgerItems(node)["item-3"] == Fx.bytes("p3"))
        }
    }

    /// Batches by age: a few records are committed by the timer without any flush call.
    @Test func commitsWhenTheOldestRecordIsOldEnough() throws {
        try Fx.withTemporaryDirectory { dir in
            let writer = try Store(path: Fx.storeURL(dir), options: StoreOptions(batchSize: 1000, maxDelay: 0.05))
            defer { try? writer.close() }
            let observer = try Store(path: Fx.storeURL(dir))
            defer { try? observer.close() }
            let node = Fx.fingerprint("a")
            for i in 0..<3 { try writer.recordItem(node, key: "k\(i)", payload: Fx.bytes("v\(i)")) }
            #expect(try Fx.eventually { try observer.ledgerCount(node) == 3 })
            // A second burst after the first commit arms the timer again.
            try writer.recordItem(node, key: "k3", payload: Fx.bytes("v3"))
            #expect(try Fx.eventually { try observer.ledgerCount(node) == 4 })
        }
    }

    @Test func finishedItemsIncludeThisProcessesBufferedRecords() throws {
        try Fx.withTemporaryDirectory { dir in
            let writer = try Store(path: Fx.storeURL(dir), options: StoreOptions(batchSize: 1000, maxDelay: 3600))
            defer { try? writer.close() }
            let observer = try Store(path: Fx.storeURL(dir))
            defer { try? observer.close() }
            let ledger = writer.ledger(for: Fx.fingerprint("a"))
            try ledger.record(key: "x", payload: Fx.bytes("1"))
            try ledger.record(key: "y", payload: Fx.bytes("2"))
            #expect(try observer.ledgerCount(Fx.fingerprint("a")) == 0)  // still buffered
            #expect(try ledger.finishedItems() == ["x": Fx.bytes("1"), "y": Fx.bytes("2")])
            #expect(try writer.ledger(for: Fx.fingerprint("b")).finishedItems().isEmpty)
        }
    }

    @Test func recordingAKeyTwiceKeepsTheFirstPayload() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir), options: StoreOptions(batchSize: 1000, maxDelay: 3600))
            defer { try? store.close() }
            let ledger = store.ledger(for: Fx.fingerprint("a"))
            try ledger.record(key: "same-batch", payload: Fx.bytes("first"))
            try ledger.record(key: "same-batch", payload: Fx.bytes("second"))
            try ledger.record(key: "across", payload: Fx.bytes("first"))
            try ledger.flush()
            try ledger.record(key: "across", payload: Fx.bytes("second"))
            let items = try ledger.finishedItems()
            #expect(items == ["same-batch": Fx.bytes("first"), "across": Fx.bytes("first")])
        }
    }

    @Test func emptyAndBinaryPayloadsRoundTrip() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            let node = Fx.fingerprint("a")
            let binary = Data((0..<256).map { UInt8($0) })
            try store.recordItem(node, key: "empty", payload: Data())
            try store.recordItem(node, key: "binary", payload: binary)
            try store.recordItem(node, key: "ключ ✓", payload: Fx.bytes("{\"ok\":true}"))
            try store.close()
            let reopened = try Store(path: Fx.storeURL(dir))
            defer { try? reopened.close() }
            let items = try reopened.ledgerItems(node)
            #expect(items["empty"] == Data())
            #expect(items["binary"] == binary)
            #expect(items["ключ ✓"] == Fx.bytes("{\"ok\":true}"))
        }
    }

    /// close() flushes; every record survives a reopen.
    @Test func closeMakesEverythingDurable() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir), options: StoreOptions(batchSize: 64, maxDelay: 3600))
            let node = Fx.fingerprint("a")
            for i in 0..<1000 { try store.recordItem(node, key: String(i), payload: Fx.bytes("payload \(i)")) }
            try store.close()
            let reopened = try Store(path: Fx.storeURL(dir))
            defer { try? reopened.close() }
            let items = try reopened.ledgerItems(node)
            #expect(items.count == 1000)
            #expect(items["999"] == Fx.bytes("payload 999"))
        }
    }

    /// Many threads recording at once: nothing lost, nothing duplicated.
    @Test func concurrentRecordersLoseNothing() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir), options: StoreOptions(batchSize: 37, maxDelay: 0.01))
            defer { try? store.close() }
            let ledger = store.ledger(for: Fx.fingerprint("a"))
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: 8) { worker in
                for i in 0..<500 {
                    do { try ledger.record(key: "w\(worker)-\(i)", payload: Fx.bytes("\(worker * 1000 + i)")) }
                    catch { failures.add("\(error)") }
                }
            }
            try ledger.flush()
            #expect(failures.all.isEmpty)
            let items = try ledger.finishedItems()
            #expect(items.count == 8 * 500)
            #expect(items["w7-499"] == Fx.bytes("7499"))
        }
    }

    /// The "crash" of a writer that never closes: what it flushed is visible to the next opener.
    @Test func flushedItemsAreVisibleToANewOpenerWithoutClose() throws {
        try Fx.withTemporaryDirectory { dir in
            let crashed = try Store(path: Fx.storeURL(dir), options: StoreOptions(batchSize: 1000, maxDelay: 3600))
            let node = Fx.fingerprint("a")
            for i in 0..<100 { try crashed.recordItem(node, key: "k\(i)", payload: Fx.bytes("\(i)")) }
            try crashed.flush()
            for i in 100..<110 { try crashed.recordItem(node, key: "k\(i)", payload: Fx.bytes("\(i)")) }
            // `crashed` is abandoned here without close(): its last 10 records were never committed.
            let next = try Store(path: Fx.storeURL(dir))
            defer { try? next.close() }
            #expect(try next.ledgerCount(node) == 100)
            withExtendedLifetime(crashed) {}
        }
    }

    /// A real SIGKILL in the middle of a write transaction (the sqlite3 shell kills itself): committed rows are
    /// there, the open transaction is gone, and the file passes an integrity check.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3")))
    func sigkillMidTransactionLeavesAConsistentFile() throws {
        try Fx.withTemporaryDirectory { dir in
            let node = Fx.fingerprint("a")
            let store = try Store(path: Fx.storeURL(dir))
            for i in 0..<10 { try store.recordItem(node, key: "before-\(i)", payload: Fx.bytes("\(i)")) }
            try store.close()
            let script = """
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous=NORMAL;
                PRAGMA cache_size=50;
                INSERT INTO ledger(node_id, key, payload, recorded_at)
                  WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 4999)
                  SELECT (SELECT id FROM ledger_nodes WHERE node = '\(node)'), 'committed-' || i, randomblob(32), 0 FROM n;
                BEGIN;
                INSERT INTO ledger(node_id, key, payload, recorded_at)
                  WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 49999)
                  SELECT (SELECT id FROM ledger_nodes WHERE node = '\(node)'), 'open-' || i, randomblob(32), 0 FROM n;
                .system kill -KILL $PPID
                COMMIT;
                """
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
            process.arguments = [Fx.storeURL(dir).path]
            let input = Pipe()
            process.standardInput = input
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            input.fileHandleForWriting.write(Data(script.utf8))
            try input.fileHandleForWriting.close()
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            #expect(process.terminationStatus == SIGKILL)

            let reopened = try Store(path: Fx.storeURL(dir))
            defer { try? reopened.close() }
            #expect(try reopened.ledgerCount(node) == 5010)
            let integrity = try reopened.read { db in
                var result = ""
                try db.query("PRAGMA integrity_check") { result = $0.text(0) }
                return result
            }
            #expect(integrity == "ok")
        }
    }
}

/// Errors collected from concurrent workers.
private final class Failures: @unchecked Sendable {
    // @unchecked Sendable: `items` is only touched under `lock`.
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ message: String) { lock.lock(); items.append(message); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
}
