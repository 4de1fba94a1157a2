import Foundation
import LemaCore

/// A read-only view of a run's store for watchers (`lema ui`): its own connection with `PRAGMA query_only`, no
/// migrations, no write buffer and never the run lock, so it can sit beside a live `lema run`, after a crash or on
/// a finished run. Every read is one short statement (WAL readers never block the writer); `dataVersion` tells
/// cheaply whether anything was committed since the last look, and the `…since`/`…after` reads take a cursor so a
/// watcher reads only what is new. Thread-safe (one lock around the connection).
public final class StoreReader: @unchecked Sendable {
    // @unchecked Sendable: `db` is only touched under `lock`.
    public let path: URL
    private let db: SQLiteConnection
    private let lock = NSLock()

    /// Opens an existing store. Throws `StoreError.sqlite` when there is no file, `newerSchema` for a file from
    /// a newer lema.
    public init(path: URL) throws {
        self.path = path.standardizedFileURL
        guard FileManager.default.fileExists(atPath: self.path.path) else {
            throw StoreError.sqlite(path: self.path.path, code: 14, message: "no such file (the run has not started)",
                                    sql: "open")
        }
        db = try SQLiteConnection(path: self.path.path, mustExist: true)
        try db.execute("PRAGMA query_only = 1")
        // A checkpoint of the writer can hold the file briefly; a reader waits rather than failing a poll.
        try db.execute("PRAGMA busy_timeout = 1000")
        let version = Int(try db.scalarInt("PRAGMA user_version") ?? 0)
        if version > Store.schemaVersion {
            throw StoreError.newerSchema(path: self.path.path, found: version, supported: Store.schemaVersion,
                                         unknownMigrations: [])
        }
    }

    deinit { db.close() }

    private func read<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(db)
    }

    /// SQLite's `PRAGMA data_version`: changes whenever another connection commits. Costs no I/O beyond a look
    /// at the WAL index.
    public func dataVersion() throws -> Int64 {
        try read { try $0.scalarInt("PRAGMA data_version") ?? 0 }
    }

    /// Nodes updated at or after `since` (unix seconds; nil: all), with the newest `updated_at` seen (the next
    /// cursor). Rows of the same instant can be read twice; never missed.
    public func nodes(updatedSince since: Double?) throws -> (records: [NodeRecord], cursor: Double) {
        try read { db in
            var records: [NodeRecord] = []
            var cursor = since ?? 0
            let sql = "SELECT \(Store.nodeColumns), updated_at FROM nodes WHERE updated_at >= ?"
            let updatedColumn = Int32(Store.NodeColumn.allCases.count)
            try db.query(sql, [.double(since ?? 0)]) { row in
                records.append(try Store.nodeRecord(row, path: path.path))
                cursor = max(cursor, row.double(updatedColumn))
            }
            return (records, cursor)
        }
    }

    /// Events with an id above `afterID`, oldest first, at most `limit`.
    public func events(afterID: Int64, limit: Int = 5000) throws -> [EventRecord] {
        try read { db in
            var events: [EventRecord] = []
            try db.query("SELECT \(Store.EventColumn.selectList) FROM events WHERE id > ? ORDER BY id LIMIT ?",
                         [.int(afterID), .int(limit)]) { events.append(Store.eventRecord($0)) }
            return events
        }
    }

    /// The latest `limit` events of one node, oldest first.
    public func events(node: String, limit: Int) throws -> [EventRecord] {
        try read { db in
            var events: [EventRecord] = []
            try db.query("SELECT \(Store.EventColumn.selectList) FROM events WHERE node = ? ORDER BY id DESC LIMIT ?",
                         [.text(node), .int(limit)]) { events.append(Store.eventRecord($0)) }
            return events.reversed()
        }
    }

    /// A metric point with its node.
    public struct NodeMetric: Sendable, Hashable {
        public var node: String
        public var point: MetricPoint
    }

    /// Metric points recorded at or after `since` (unix seconds), with the next cursor. Points of the same instant
    /// can be read twice (a point is keyed by node, name and step, so a repeat replaces itself).
    public func metrics(recordedSince since: Double) throws -> (points: [NodeMetric], cursor: Double) {
        try read { db in
            var points: [NodeMetric] = []
            var cursor = since
            try db.query("SELECT node, name, step, value, recorded_at FROM metrics WHERE recorded_at >= ? "
                         + "ORDER BY recorded_at", [.double(since)]) { row in
                points.append(NodeMetric(node: row.text(0), point: MetricPoint(name: row.text(1), step: row.int(2),
                                                                              value: row.double(3))))
                cursor = max(cursor, row.double(4))
            }
            return (points, cursor)
        }
    }

    /// Every recorded checkpoint: node → steps, ascending.
    public func checkpointSteps() throws -> [String: [Int]] {
        try read { db in
            var out: [String: [Int]] = [:]
            try db.query("SELECT node, step FROM checkpoints ORDER BY node, step") { out[$0.text(0), default: []].append($0.int(1)) }
            return out
        }
    }

    /// Every cluster job, oldest first.
    public func jobs() throws -> [JobRecord] {
        try read { db in try Store.jobs(db, where: "1") }
    }

    /// Responses fetched per node (count and tokens).
    public func responseUsage() throws -> [String: ResponseUsage] {
        try read { db in try Store.responseUsage(db) }
    }

    /// The ledger's item count of one node.
    public func ledgerCount(_ node: String) throws -> Int {
        try read { db in
            Int(try db.scalarInt("SELECT count(*) FROM ledger WHERE \(Store.ledgerRowsOfNode)", [.text(node)]) ?? 0)
        }
    }

    /// Items of one node whose key starts with `keyPrefix`, and how many of them contain `marker` in their payload
    /// (e.g. `"correct":true` in an evaluation's canonical records). One scan of the node's ledger rows.
    public func ledgerCount(_ node: String, keyPrefix: String, containing marker: String) throws
        -> (items: Int, marked: Int) {
        try read { db in
            var result = (items: 0, marked: 0)
            // Keys are compared as a range (prefix ≤ key < prefix + U+FFFF) so the primary key's order is used.
            try db.query("""
                SELECT count(*), coalesce(sum(instr(CAST(payload AS TEXT), ?) > 0), 0) FROM ledger
                WHERE \(Store.ledgerRowsOfNode) AND key >= ? AND key < ?
                """, [.text(marker), .text(node), .text(keyPrefix), .text(keyPrefix + "\u{FFFF}")]) { row in
                result = (row.int(0), row.int(1))
            }
            return result
        }
    }

    /// Who holds the run lock (by its row) and whether that process still runs.
    public func owner() throws -> RunOwner? {
        guard let owner = try read({ try Store.lockOwner($0) }) else { return nil }
        let state: RunOwner.State = switch Store.liveness(owner) {
        case .running: .alive
        case .exiting: .exiting
        case .gone: .dead
        }
        return RunOwner(owner: owner, state: state)
    }
}

/// The process named by the run lock's row, and whether it still runs. A dead owner's row stays until the next
/// `lema run` takes the lock over.
public struct RunOwner: Sendable, Hashable {
    public enum State: String, Sendable {
        /// Runs normally.
        case alive
        /// Killed and still exiting: its lock is about to be released.
        case exiting
        /// Gone (or its pid now names another process): the next `lema run` takes over.
        case dead
    }

    public var owner: LockOwner
    public var state: State
}
