import Foundation

/// Records waiting to be committed by the store's buffered writers. A value type: the store swaps the whole buffer
/// out under its lock and writes the taken copy on its queue.
struct WriteBuffer {
    struct LedgerItem {
        var node: String
        var key: String
        var payload: Data
        var at: Double
    }
    struct Metric {
        var node: String
        var name: String
        var step: Int
        var value: Double
        var at: Double
    }
    struct Event {
        var node: String?
        var kind: String
        var message: String
        var at: Double
        var pid: Int32
    }
    /// A state transition of a node: `UPDATE nodes SET <assignments>, updated_at = ? WHERE id = ?`.
    struct NodeUpdate {
        var id: String
        var assignments: String
        var values: [SQLiteValue?]
        var at: Double
    }
    struct Progress {
        var done: Int
        var total: Int?
        var note: String?
    }

    var ledger: [LedgerItem] = []
    /// Node transitions in call order (a later one may overwrite columns of an earlier one).
    var nodeUpdates: [NodeUpdate] = []
    var metrics: [Metric] = []
    var events: [Event] = []
    /// Latest progress per node (earlier reports are superseded, so only the last is kept).
    var progress: [String: Progress] = [:]
    /// Whether the age timer is scheduled for the records in this buffer.
    var timerArmed = false
    /// Whether a commit of this buffer is already queued because it reached the batch size.
    var commitScheduled = false

    var count: Int { ledger.count + nodeUpdates.count + metrics.count + events.count + progress.count }
    var isEmpty: Bool { count == 0 }

    /// This (older) buffer followed by `newer`: order matters for "the first record of a key wins".
    func merged(with newer: WriteBuffer) -> WriteBuffer {
        var out = self
        out.ledger += newer.ledger
        out.nodeUpdates += newer.nodeUpdates
        out.metrics += newer.metrics
        out.events += newer.events
        out.progress.merge(newer.progress) { _, latest in latest }
        out.timerArmed = false
        out.commitScheduled = false
        return out
    }

    /// Writes every record; call inside a transaction. `ledgerID` maps a node id to its `ledger_nodes.id`.
    func write(to db: SQLiteConnection, ledgerID: (String) throws -> Int64) throws {
        if !ledger.isEmpty {
            // OR IGNORE: recording a key twice keeps the first payload (a retried item must not overwrite).
            let statement = try db.statement(
                "INSERT OR IGNORE INTO ledger(node_id, key, payload, recorded_at) VALUES (?, ?, ?, ?)")
            var last: (node: String, id: Int64)?
            for item in ledger {
                let id: Int64
                if let last, last.node == item.node { id = last.id } else { id = try ledgerID(item.node) }
                last = (item.node, id)
                try statement.bind(.int(id), at: 1)
                try statement.bind(.text(item.key), at: 2)
                try statement.bind(.blob(item.payload), at: 3)
                try statement.bind(.double(item.at), at: 4)
                _ = try statement.step()
                statement.reset()
            }
        }
        for update in nodeUpdates {
            try db.run("UPDATE nodes SET \(update.assignments), updated_at = ? WHERE id = ?",
                       update.values + [.double(update.at), .text(update.id)])
        }
        for metric in metrics {
            // A resumed training may log a step again; the latest value stands.
            try db.run("INSERT OR REPLACE INTO metrics(node, name, step, value, recorded_at) VALUES (?, ?, ?, ?, ?)",
                       [.text(metric.node), .text(metric.name), .int(metric.step), .double(metric.value),
                        .double(metric.at)])
        }
        for event in events {
            try db.run("INSERT INTO events(at, node, kind, message, pid) VALUES (?, ?, ?, ?, ?)",
                       [.double(event.at), event.node.map { .text($0) }, .text(event.kind), .text(event.message),
                        .int32(event.pid)])
        }
        for (node, report) in progress.sorted(by: { $0.key < $1.key }) {
            try db.run("""
                UPDATE nodes SET progress_done = ?, progress_total = ?, progress_note = ?, updated_at = ?
                WHERE id = ?
                """, [.int(report.done), report.total.map { .int($0) }, report.note.map { .text($0) },
                      .date(Date()), .text(node)])
        }
    }
}
