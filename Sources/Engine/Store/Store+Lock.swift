import Foundation

/// The run lock: one row in `run_lock` naming the process that executes the pipeline. No manual unlock is ever
/// needed: a row whose process is gone (or whose pid now belongs to a different process) is taken over.
extension Store {
    /// Takes the run lock for `pid` (normally the current process). Re-acquiring a lock the same process already
    /// holds succeeds. Throws `StoreError.locked` naming the owner when another live process holds it; a dead
    /// owner's lock is taken over and an event `lock` records it.
    public func acquireRunLock(pid: Int32, command: String) throws {
        try acquireRunLock(pid: pid, command: command, startTime: StoreProcess.startTime(of: pid))
    }

    /// As `acquireRunLock(pid:command:)` with an explicit kernel start time (tests use it to fake pid reuse).
    func acquireRunLock(pid: Int32, command: String, startTime: UInt64?) throws {
        let host = StoreProcess.hostName
        try write { db in
            if let owner = try Self.lockOwner(db) {
                let same = owner.pid == pid && owner.host == host
                    && (owner.startTime == nil || startTime == nil || owner.startTime == startTime)
                if !same {
                    // Another host's process cannot be probed; treat it as alive (SQLite across hosts on a
                    // network filesystem is unsafe anyway, so this should not happen in practice).
                    if owner.host != host || StoreProcess.isAlive(pid: owner.pid, startTime: owner.startTime) {
                        throw StoreError.locked(path: path.path, owner: owner)
                    }
                    let since = StoreError.display(owner.since)
                    let message = "lock taken over from dead pid \(owner.pid) (\(owner.command)), held since \(since)"
                    try db.run("INSERT INTO events(at, node, kind, message, pid) VALUES (?, NULL, 'lock', ?, ?)",
                               [.date(Date()), .text(message), .int32(pid)])
                }
            }
            try db.run("""
                INSERT OR REPLACE INTO run_lock(id, pid, host, command, since, start_time) VALUES (1, ?, ?, ?, ?, ?)
                """, [.int32(pid), .text(host), .text(command), .date(Date()), startTime.map { .int(Int64($0)) }])
        }
    }

    /// Releases the lock if `pid` holds it; a lock held by someone else is left alone.
    public func releaseRunLock(pid: Int32) throws {
        try write { db in
            try db.run("DELETE FROM run_lock WHERE id = 1 AND pid = ? AND host = ?",
                       [.int32(pid), .text(StoreProcess.hostName)])
        }
    }

    /// The current holder of the lock (alive or not), if any.
    public func currentLockOwner() throws -> LockOwner? {
        try read { db in try Self.lockOwner(db) }
    }

    static func lockOwner(_ db: SQLiteConnection) throws -> LockOwner? {
        var owner: LockOwner?
        try db.query("SELECT pid, host, command, since, start_time FROM run_lock WHERE id = 1") { row in
            owner = LockOwner(pid: Int32(truncatingIfNeeded: row.int64(0)), host: row.text(1), command: row.text(2),
                              since: Date(timeIntervalSince1970: row.double(3)),
                              startTime: row.isNull(4) ? nil : UInt64(bitPattern: row.int64(4)))
        }
        return owner
    }
}
