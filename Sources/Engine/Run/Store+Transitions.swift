import Foundation

// Batched node transitions for the runner. The statements mirror the single-call transitions of Store+Nodes.swift
// (same columns, same meaning: markRunning / markSucceeded / markFailed / markBlocked / markPending); they live here
// because batching is the runner's policy, and the store's `write` gives one transaction for the whole batch
// (committing the store's own buffered ledger/progress records first, so call order is kept).
extension Store {
    /// Applies `transitions` in order in one transaction. Unknown ids are ignored (a node row always exists after
    /// `register`; a later `invalidate` racing with us is the user's explicit wish).
    func applyTransitions(_ transitions: [NodeTransition], pid: Int32) throws {
        guard !transitions.isEmpty else { return }
        let ownerStart = StoreProcess.startTime(of: pid).map { SQLiteValue.int(Int64($0)) }
        try write { db in
            for transition in transitions {
                switch transition {
                case .running(let id, let at):
                    try db.run("""
                        UPDATE nodes SET status = 'running', attempts = attempts + 1, started_at = ?, finished_at = NULL,
                            error = NULL, reason = NULL, owner_pid = ?, owner_start = ?, updated_at = ? WHERE id = ?
                        """, [.date(at), .int32(pid), ownerStart, .date(at), .text(id)])
                case .succeeded(let id, let artifacts, let summary, let reason, let at):
                    try db.run("""
                        UPDATE nodes SET status = 'succeeded', finished_at = ?, error = NULL, reason = ?, artifacts = ?,
                            summary = ?, updated_at = ? WHERE id = ?
                        """, [.date(at), reason.map { .text($0) }, .text(artifacts), .text(summary), .date(at), .text(id)])
                case .failed(let id, let error, let at):
                    try db.run("UPDATE nodes SET status = 'failed', finished_at = ?, error = ?, updated_at = ? WHERE id = ?",
                               [.date(at), .text(error), .date(at), .text(id)])
                case .blocked(let id, let stage):
                    try db.run("UPDATE nodes SET status = 'blocked', reason = ?, updated_at = ? WHERE id = ?",
                               [.text("blocked by failed \(stage)"), .date(Date()), .text(id)])
                case .pending(let id, let reason):
                    try db.run("UPDATE nodes SET status = 'pending', reason = ?, updated_at = ? WHERE id = ?",
                               [.text(reason), .date(Date()), .text(id)])
                }
            }
        }
    }
}
