import Foundation
import LemaCore
import StageAPI

/// Node state transitions. They go through the buffered writer (see `Store`): visible to every read of this store
/// at once, committed in call order within `StoreOptions.maxDelay`, and on `flush()`/`close()`.
extension Store {
    /// The columns a node record is read from, in SELECT order.
    enum NodeColumn: Int32, SQLColumns {
        case id, stage, kind, kindVersion, status, attempts, startedAt, finishedAt, error, reason, artifacts, summary
        case components, progressDone, progressTotal, progressNote, ownerPID

        var sqlName: String {
            switch self {
            case .kindVersion: "kind_version"
            case .startedAt: "started_at"
            case .finishedAt: "finished_at"
            case .progressDone: "progress_done"
            case .progressTotal: "progress_total"
            case .progressNote: "progress_note"
            case .ownerPID: "owner_pid"
            default: "\(self)"
            }
        }
    }

    static let nodeColumns = NodeColumn.selectList

    /// Every registered node by id (including nodes of earlier versions of the spec).
    public func nodeRecords() throws -> [String: NodeRecord] {
        try read { db in
            var records: [String: NodeRecord] = [:]
            try db.query("SELECT \(Self.nodeColumns) FROM nodes") { row in
                let record = try Self.nodeRecord(row, path: path.path)
                records[record.id] = record
            }
            return records
        }
    }

    /// One node, or nil when it was never registered.
    public func nodeRecord(_ id: String) throws -> NodeRecord? {
        try read { db in
            var record: NodeRecord?
            try db.query("SELECT \(Self.nodeColumns) FROM nodes WHERE id = ?", [.text(id)]) { record = try Self.nodeRecord($0, path: path.path) }
            return record
        }
    }

    /// A node record from a row selected with `nodeColumns` (of the database at `path`, named in errors).
    static func nodeRecord(_ row: SQLiteStatement, path: String) throws -> NodeRecord {
        typealias C = NodeColumn
        let id = row.text(C.id)
        guard let status = NodeStatus(rawValue: row.text(C.status)) else {
            throw StoreError.invalidData(path: path, detail: "node \(id) has unknown status '\(row.text(C.status))'")
        }
        var artifacts: [String: String] = [:]
        for (name, value) in try decodeObject(row.text(C.artifacts), what: "artifacts of node \(id)", path: path) {
            guard let file = value.stringValue else {
                throw StoreError.invalidData(path: path, detail: "artifact \(name) of node \(id) is not a path")
            }
            artifacts[name] = file
        }
        return NodeRecord(
            id: id, stage: row.text(C.stage), kind: row.text(C.kind), kindVersion: row.int(C.kindVersion),
            status: status, attempts: row.int(C.attempts), startedAt: row.optionalDate(C.startedAt),
            finishedAt: row.optionalDate(C.finishedAt), error: row.optionalText(C.error),
            reason: row.optionalText(C.reason), artifacts: artifacts,
            summary: try decodeObject(row.text(C.summary), what: "summary of node \(id)", path: path),
            components: row.text(C.components), progressDone: row.int(C.progressDone),
            progressTotal: row.optionalInt(C.progressTotal), progressNote: row.optionalText(C.progressNote),
            ownerPID: row.isNull(C.ownerPID) ? nil : Int32(truncatingIfNeeded: row.int64(C.ownerPID)))
    }

    /// `running`, owned by `pid`; attempts += 1; start time now; previous error and finish time cleared.
    public func markRunning(_ id: String, pid: Int32) throws {
        let start = StoreProcess.startTime(of: pid)
        try update(id, """
            status = 'running', attempts = attempts + 1, started_at = ?, finished_at = NULL, error = NULL,
            reason = NULL, owner_pid = ?, owner_start = ?
            """, [.date(Date()), .int32(pid), start.map { .int(Int64($0)) }])
    }

    /// `succeeded` with the stage's outputs. `reason` explains it for `lema status` (e.g. "ran: new node").
    public func markSucceeded(_ id: String, outcome: StageOutcome, reason: String?) throws {
        let artifacts = JSONValue.object(outcome.artifacts.mapValues { .string($0) }).canonicalText
        try update(id, "status = 'succeeded', finished_at = ?, error = NULL, reason = ?, artifacts = ?, summary = ?",
                   [.date(Date()), reason.map { .text($0) }, .text(artifacts),
                    .text(JSONValue.object(outcome.summary).canonicalText)])
    }

    /// `failed` with the error message (the ledger is kept: a retry resumes).
    public func markFailed(_ id: String, error: String) throws {
        try update(id, "status = 'failed', finished_at = ?, error = ?", [.date(Date()), .text(error)])
    }

    /// `blocked` because the stage `by` (a failed or blocked ancestor) did not succeed.
    public func markBlocked(_ id: String, by stage: String) throws {
        try update(id, "status = 'blocked', reason = ?", [.text("blocked by failed \(stage)")])
    }

    /// `cancelled` (SIGINT/SIGTERM or timeout) with why; the ledger is kept.
    public func markCancelled(_ id: String, reason: String) throws {
        try update(id, "status = 'cancelled', finished_at = ?, reason = ?", [.date(Date()), .text(reason)])
    }

    /// Back to `pending` with a reason; ledger, checkpoints and metrics are kept (see `invalidate` to clear them).
    public func markPending(_ id: String, reason: String) throws {
        try update(id, "status = 'pending', reason = ?", [.text(reason)])
    }

    /// Replaces the reason without changing the status.
    public func setReason(_ id: String, reason: String) throws {
        try update(id, "reason = ?", [.text(reason)])
    }

    /// Nodes left `running` by a process that is gone (dead, pid reused, or not the current lock owner) go back
    /// to `pending` with reason "reclaimed after crash of pid N (k items kept)"; their ledger is kept.
    /// Call after `acquireRunLock`. Returns the reclaimed ids.
    public func reclaimOrphans() throws -> [String] {
        try write { db in
            let lock = try Self.lockOwner(db)
            var orphans: [(id: String, pid: Int32)] = []
            try db.query("SELECT id, owner_pid, owner_start FROM nodes WHERE status = 'running' ORDER BY id") { row in
                let pid = row.isNull(1) ? 0 : Int32(truncatingIfNeeded: row.int64(1))
                let start = row.isNull(2) ? nil : UInt64(bitPattern: row.int64(2))
                let ownedByLockHolder = lock.map {
                    $0.pid == pid && ($0.startTime == nil || start == nil || $0.startTime == start)
                } ?? false
                if !ownedByLockHolder || !StoreProcess.isAlive(pid: pid, startTime: start) {
                    orphans.append((row.text(0), pid))
                }
            }
            for orphan in orphans {
                let kept = Int(try db.scalarInt("SELECT count(*) FROM ledger WHERE \(Self.ledgerRowsOfNode)",
                                                [.text(orphan.id)]) ?? 0)
                let reason = "reclaimed after crash of pid \(orphan.pid) (\(kept) item\(kept == 1 ? "" : "s") kept)"
                try db.run("UPDATE nodes SET status = 'pending', reason = ?, updated_at = ? WHERE id = ?",
                           [.text(reason), .date(Date()), .text(orphan.id)])
                try db.run("INSERT INTO events(at, node, kind, message, pid) VALUES (?, ?, 'reclaim', ?, ?)",
                           [.date(Date()), .text(orphan.id), .text(reason), .int32(StoreProcess.currentPID)])
            }
            return orphans.map(\.id)
        }
    }

    /// Forces a rerun: the nodes go to `pending` with `reason`, and their ledger, checkpoints, metrics and
    /// progress are cleared (output files on disk are the caller's business). Unknown ids are an error.
    public func invalidate(_ ids: [String], reason: String) throws {
        try write { db in
            for id in ids {
                try db.run("""
                    UPDATE nodes SET status = 'pending', reason = ?, error = NULL, finished_at = NULL,
                        artifacts = '{}', summary = '{}', progress_done = 0, progress_total = NULL,
                        progress_note = NULL, updated_at = ?
                    WHERE id = ?
                    """, [.text(reason), .date(Date()), .text(id)])
                if db.changes == 0 { throw StoreError.unknownNode(path: path.path, id: id) }
                try db.run("DELETE FROM ledger WHERE \(Self.ledgerRowsOfNode)", [.text(id)])
                try db.run("DELETE FROM checkpoints WHERE node = ?", [.text(id)])
                try db.run("DELETE FROM metrics WHERE node = ?", [.text(id)])
                try db.run("INSERT INTO events(at, node, kind, message, pid) VALUES (?, ?, 'invalidate', ?, ?)",
                           [.date(Date()), .text(id), .text(reason), .int32(StoreProcess.currentPID)])
            }
        }
    }

    /// Buffers a transition of one node (committed in order with the other buffered writes: after a crash the
    /// file holds a prefix of the calls, which resume handles — a lost `succeeded` only means the node reruns).
    /// Throws `unknownNode` for an id that was never registered.
    private func update(_ id: String, _ assignments: String, _ values: [SQLiteValue?]) throws {
        try requireKnown(id)
        let at = Date().timeIntervalSince1970
        try buffered { $0.nodeUpdates.append(.init(id: id, assignments: assignments, values: values, at: at)) }
    }

    private func requireKnown(_ id: String) throws {
        bufferLock.lock()
        let loaded = knownNodesLoaded, known = knownNodes.contains(id)
        bufferLock.unlock()
        if known { return }
        // Not seen yet: the node may have been registered by an earlier process (or another Store instance).
        let ids: Set<String> = try read { db in
            var ids = Set<String>()
            if loaded {
                try db.query("SELECT id FROM nodes WHERE id = ?", [.text(id)]) { ids.insert($0.text(0)) }
            } else {
                try db.query("SELECT id FROM nodes") { ids.insert($0.text(0)) }
            }
            return ids
        }
        bufferLock.lock()
        knownNodes.formUnion(ids)
        knownNodesLoaded = true
        bufferLock.unlock()
        if !ids.contains(id) { throw StoreError.unknownNode(path: path.path, id: id) }
    }
}
