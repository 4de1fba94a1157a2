import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The run lock. The truth is a kernel lock (`RunLockFile`: `flock` on `state.sqlite.lock`), which dies with its
/// process, so no manual unlock is ever needed and a supervisor may restart `lema run` the instant the previous one
/// was killed. The `run_lock` row only names the owner (pid, command, since) for messages and `lema status`.
extension Store {
    /// Takes the run lock for this process, for as long as this store is open (or until `releaseRunLock`).
    /// Taking it again from the same store succeeds. When another process holds it:
    /// - it runs normally → `StoreError.locked` naming it (pid, command, since);
    /// - it was killed and is still exiting (its last descriptors closing, a zombie) → waits up to `maxWait`
    ///   seconds for the kernel to release it, saying so once through `notice`, then takes it over.
    /// A row naming a dead owner is replaced, and an event `lock` records the takeover.
    public func acquireRunLock(command: String, maxWait: Double = 60, notice: (String) -> Void = { _ in }) throws {
        let pid = StoreProcess.currentPID, start = StoreProcess.startTime(of: pid)
        if holdsRunLock {
            try claimLockRow(pid: pid, command: command, startTime: start)
            return
        }
        let lockPath = RunLockFile.path(forDatabase: path.path)
        let started = Date(), deadline = started.addingTimeInterval(maxWait)
        var noticed = false
        while true {
            if let file = try RunLockFile.tryAcquire(path: lockPath) {
                do {
                    let waited = noticed ? Date().timeIntervalSince(started) : nil
                    try claimLockRow(pid: pid, command: command, startTime: start, waited: waited)
                } catch {
                    file.release()
                    throw error
                }
                bufferLock.lock()
                runLockFile = file
                bufferLock.unlock()
                return
            }
            // Someone holds the kernel lock. The row says who; it is written right after the lock is taken, so a
            // row naming a process already gone means a new owner is between those two steps: look again.
            let owner = try currentLockOwner()
            let liveness = owner.map(Self.liveness) ?? .gone
            if let owner, liveness == .running { throw StoreError.locked(path: path.path, owner: owner) }
            if Date() >= deadline { throw StoreError.lockNotReleased(path: path.path, owner: owner, waited: maxWait) }
            if !noticed, let owner, liveness == .exiting {
                notice("waiting for pid \(owner.pid) (\(owner.command)), which was stopped and is still exiting, to "
                       + "release \(StoreError.display(path.path))")
                noticed = true
            }
            usleep(10_000)
        }
    }

    /// True while this store holds the kernel lock.
    var holdsRunLock: Bool {
        bufferLock.lock()
        defer { bufferLock.unlock() }
        return runLockFile != nil
    }

    /// Records this process in the `run_lock` row (the kernel lock is already held). A row naming another process
    /// that still runs normally can only come from a lema without the kernel lock (an older build running on this
    /// file): refuse rather than write beside it. Any other previous owner is dead: the takeover is logged.
    func claimLockRow(pid: Int32, command: String, startTime: UInt64?, waited: Double? = nil) throws {
        let host = StoreProcess.hostName
        try write { db in
            if let owner = try Self.lockOwner(db), !(owner.pid == pid && owner.host == host) {
                if Self.liveness(owner) == .running { throw StoreError.locked(path: path.path, owner: owner) }
                let since = StoreError.display(owner.since)
                let wait = waited.map { String(format: "; waited %.0f ms for it to finish exiting", $0 * 1000) } ?? ""
                let message = "lock taken over from dead pid \(owner.pid) (\(owner.command)), held since \(since)\(wait)"
                try db.run("INSERT INTO events(at, node, kind, message, pid) VALUES (?, NULL, 'lock', ?, ?)",
                           [.date(Date()), .text(message), .int32(pid)])
            }
            try db.run("""
                INSERT OR REPLACE INTO run_lock(id, pid, host, command, since, start_time) VALUES (1, ?, ?, ?, ?, ?)
                """, [.int32(pid), .text(host), .text(command), .date(Date()), startTime.map { .int(Int64($0)) }])
        }
    }

    /// A process on another host cannot be probed: it counts as running (SQLite across hosts on a network
    /// filesystem is unsafe anyway, so the lock file's holder there is taken at its word).
    static func liveness(_ owner: LockOwner) -> StoreProcess.Liveness {
        owner.host == StoreProcess.hostName ? StoreProcess.liveness(pid: owner.pid, startTime: owner.startTime) : .running
    }

    /// Releases the lock if this store holds it: the row goes first, then the kernel lock (so a new owner never
    /// finds this process's row). A store that does not hold it leaves both alone.
    public func releaseRunLock() throws {
        bufferLock.lock()
        let file = runLockFile
        runLockFile = nil
        bufferLock.unlock()
        guard let file else { return }
        defer { file.release() }
        try write { db in
            try db.run("DELETE FROM run_lock WHERE id = 1 AND pid = ? AND host = ?",
                       [.int32(StoreProcess.currentPID), .text(StoreProcess.hostName)])
        }
    }

    /// The current holder of the lock (alive or not), if any.
    public func currentLockOwner() throws -> LockOwner? {
        try read { db in try Self.lockOwner(db) }
    }

    /// The columns of the `run_lock` row, in SELECT order.
    enum LockColumn: Int32, SQLColumns {
        case pid, host, command, since, startTime
        var sqlName: String { self == .startTime ? "start_time" : "\(self)" }
    }

    static func lockOwner(_ db: SQLiteConnection) throws -> LockOwner? {
        typealias C = LockColumn
        var owner: LockOwner?
        try db.query("SELECT \(C.selectList) FROM run_lock WHERE id = 1") { row in
            owner = LockOwner(pid: Int32(truncatingIfNeeded: row.int64(C.pid)), host: row.text(C.host),
                              command: row.text(C.command), since: Date(timeIntervalSince1970: row.double(C.since)),
                              startTime: row.isNull(C.startTime) ? nil : UInt64(bitPattern: row.int64(C.startTime)))
        }
        return owner
    }
}
