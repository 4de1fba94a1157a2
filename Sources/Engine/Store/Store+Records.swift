import Foundation

/// Progress, checkpoints, metrics and events.
extension Store {
    /// Latest progress of a running node (buffered; only the last report per node is written).
    public func setProgress(_ node: String, done: Int, total: Int?, note: String? = nil) {
        // Progress is advisory: a failure here resurfaces from the next throwing call instead.
        try? buffered { $0.progress[node] = .init(done: done, total: total, note: note) }
    }

    /// Records a durable checkpoint file (relative to the node's checkpoint directory) at a step. Call after the
    /// file itself is complete and fsynced; this commit is what makes it the one to resume from.
    public func recordCheckpoint(_ node: String, step: Int, file: String) throws {
        try write { db in
            try db.run("INSERT OR REPLACE INTO checkpoints(node, step, file, recorded_at) VALUES (?, ?, ?, ?)",
                       [.text(node), .int(step), .text(file), .date(Date())])
        }
    }

    /// The checkpoint with the highest step, if any.
    public func latestCheckpoint(_ node: String) throws -> (step: Int, file: String)? {
        try read { db in
            var result: (step: Int, file: String)?
            try db.query("SELECT step, file FROM checkpoints WHERE node = ? ORDER BY step DESC LIMIT 1",
                         [.text(node)]) { row in result = (row.int(0), row.text(1)) }
            return result
        }
    }

    /// Buffers a metric point; a repeated (name, step) keeps the latest value.
    public func recordMetric(_ node: String, name: String, step: Int, value: Double) {
        let at = Date().timeIntervalSince1970
        try? buffered { $0.metrics.append(.init(node: node, name: name, step: step, value: value, at: at)) }
    }

    /// Metric points of a node ordered by name, then step.
    public func metrics(_ node: String) throws -> [MetricPoint] {
        try read { db in
            var points: [MetricPoint] = []
            try db.query("SELECT name, step, value FROM metrics WHERE node = ? ORDER BY name, step", [.text(node)]) {
                points.append(MetricPoint(name: $0.text(0), step: $0.int(1), value: $0.double(2)))
            }
            return points
        }
    }

    /// Buffers an event for the append-only log. `node` nil means a pipeline-level event.
    public func appendEvent(node: String?, kind: String, message: String) {
        let at = Date().timeIntervalSince1970
        let pid = StoreProcess.currentPID
        try? buffered { $0.events.append(.init(node: node, kind: kind, message: message, at: at, pid: pid)) }
    }

    /// The columns an event is read from, in SELECT order.
    enum EventColumn: Int32, SQLColumns {
        case id, at, node, kind, message, pid
        var sqlName: String { "\(self)" }
    }

    /// The latest `limit` events (of one node, or of all when `node` is nil), oldest first.
    public func events(node: String?, limit: Int) throws -> [EventRecord] {
        try read { db in
            var events: [EventRecord] = []
            let columns = EventColumn.selectList
            let handle: (SQLiteStatement) -> Void = { events.append(Self.eventRecord($0)) }
            if let node {
                try db.query("SELECT \(columns) FROM events WHERE node = ? ORDER BY id DESC LIMIT ?",
                             [.text(node), .int(limit)], row: handle)
            } else {
                try db.query("SELECT \(columns) FROM events ORDER BY id DESC LIMIT ?", [.int(limit)], row: handle)
            }
            return events.reversed()
        }
    }

    /// An event from a row selected with `EventColumn.selectList`.
    static func eventRecord(_ row: SQLiteStatement) -> EventRecord {
        typealias C = EventColumn
        return EventRecord(id: row.int64(C.id), at: Date(timeIntervalSince1970: row.double(C.at)),
                           node: row.optionalText(C.node), kind: row.text(C.kind), message: row.text(C.message),
                           pid: Int32(truncatingIfNeeded: row.int64(C.pid)))
    }
}
