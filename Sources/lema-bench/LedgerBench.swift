import Engine
import Foundation
import LemaCore
import StageAPI

/// `lema-bench ledger [--items N] [--payload BYTES] [--threads T] [--batch N] [--dir DIR]`: records N finished items
/// (default 1,000,000 with 32-byte payloads) into a fresh store's item ledger through the public API, as a
/// map-like stage would, and prints items/s including the final flush (i.e. until everything is committed).
enum LedgerBench {
    static func main(_ args: [String]) throws {
        var items = 1_000_000
        var payloadBytes = 32
        var threads = 1
        var batchSize = StoreOptions().batchSize
        var directory: URL?
        var i = 0
        func value(_ flag: String) throws -> String {
            i += 1
            guard i < args.count else { throw BenchUsage("\(flag) needs a value") }
            return args[i]
        }
        while i < args.count {
            switch args[i] {
            case "--items": items = try positive(value("--items"), "--items")
            case "--payload": payloadBytes = try positive(value("--payload"), "--payload")
            case "--threads": threads = try positive(value("--threads"), "--threads")
            case "--batch": batchSize = try positive(value("--batch"), "--batch")
            case "--dir": directory = URL(fileURLWithPath: try value("--dir"))
            default: throw BenchUsage("unknown option '\(args[i])' (use --items N --payload BYTES --threads T --batch N --dir DIR)")
            }
            i += 1
        }

        let scratch = directory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("lema-ledger-bench-\(getpid())", isDirectory: true)
        let file = scratch.appendingPathComponent("state.sqlite")
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file.path + suffix) }
        defer { if directory == nil { try? FileManager.default.removeItem(at: scratch) } }

        let store = try Store(path: file, options: StoreOptions(batchSize: batchSize))
        let node = String(repeating: "ab", count: 32)
        let ledger = store.ledger(for: node)
        // Payloads are built up front so the timing measures the ledger, not payload formatting.
        let payloads = (0..<256).map { seed in Data((0..<payloadBytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed) }) }

        let (total, workers) = (items, threads)
        let start = DispatchTime.now().uptimeNanoseconds
        let firstError = Locked<(any Error)?>(nil)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var index = worker
            while index < total {
                do { try ledger.record(key: "item-\(index)", payload: payloads[index & 255]) }
                catch { firstError.withLock { if $0 == nil { $0 = error } }; return }
                index += workers
            }
        }
        if let error = firstError.withLock({ $0 }) { throw error }
        try ledger.flush()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9

        let count = try store.ledgerCount(node)
        try store.close()
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
        guard count == items else { throw BenchUsage("expected \(items) ledger rows, found \(count)") }
        print(String(format: "ledger: %d items (%d-byte payloads, %d thread%@, batch %d) in %.3f s = %.0f items/s, "
                     + "%.2f µs/item; file %.1f MB",
                     items, payloadBytes, threads, threads == 1 ? "" : "s", batchSize, seconds, Double(items) / seconds,
                     seconds / Double(items) * 1e6, Double(size) / 1e6))
    }

    private static func positive(_ text: String, _ flag: String) throws -> Int {
        guard let n = Int(text), n > 0 else { throw BenchUsage("\(flag) must be a positive integer, got '\(text)'") }
        return n
    }
}

/// A usage or verification error of a benchmark.
struct BenchUsage: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
