import CSQLite
import Foundation

/// Everything that can go wrong in the store, with enough context (file, SQL, owner) to act on.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    /// Another live process holds the run lock.
    case locked(path: String, owner: LockOwner)
    /// SQLite reported an error. `sql` is the statement (or the operation) that failed.
    case sqlite(path: String, code: Int32, message: String, sql: String)
    /// The file was written by a newer lema whose schema this build does not know.
    case newerSchema(path: String, found: Int, supported: Int, unknownMigrations: [String])
    /// A method was called after `close()`.
    case closed(path: String)
    /// A node id that was never registered.
    case unknownNode(path: String, id: String)
    /// A stored value could not be decoded (hand-edited or damaged file).
    case invalidData(path: String, detail: String)
    /// The run lock's file (`state.sqlite.lock`) could not be opened or locked at all.
    case lockFile(path: String, detail: String)
    /// The previous owner was killed but still held the lock after `waited` seconds (stuck in the kernel).
    case lockNotReleased(path: String, owner: LockOwner?, waited: Double)

    /// A one-line message naming the file and, where it helps, how to fix the problem.
    public var description: String {
        switch self {
        case .locked(let path, let owner):
            let host = owner.host == StoreProcess.hostName ? "" : " on host \(owner.host)"
            return "\(StoreError.display(path)) is in use by pid \(owner.pid)\(host) (\(owner.command)) since "
                + "\(StoreError.display(owner.since)); wait for it to finish or stop it (kill \(owner.pid))"
        case .sqlite(let path, let code, let message, let sql):
            let name = String(cString: sqlite3_errstr(code))
            return "SQLite error \(code) (\(name)) in \(StoreError.display(path)): \(message) — while running: \(sql)"
        case .newerSchema(let path, let found, let supported, let unknown):
            let names = unknown.isEmpty ? "" : " (unknown migrations: \(unknown.joined(separator: ", ")))"
            return "\(StoreError.display(path)) was written by a newer lema (schema version \(found)\(names)); this "
                + "build supports up to version \(supported). Upgrade lema, or use another runs directory."
        case .closed(let path):
            return "\(StoreError.display(path)) was already closed (programming error: store used after close())"
        case .unknownNode(let path, let id):
            return "node \(id) is not registered in \(StoreError.display(path)) (register the graph first)"
        case .lockFile(let path, let detail):
            return "cannot take the run lock \(StoreError.display(path)): \(detail). Check that the runs directory "
                + "is writable and on a filesystem with file locks."
        case .lockNotReleased(let path, let owner, let waited):
            let who = owner.map { "pid \($0.pid) (\($0.command))" } ?? "a process that has not named itself"
            return "\(StoreError.display(path)) is still locked by \(who), which is exiting but has not released it "
                + "after \(Int(waited)) s (stuck in the kernel, e.g. on I/O); run again once it is gone"
        case .invalidData(let path, let detail):
            return "\(StoreError.display(path)) holds unreadable data: \(detail). The file may be damaged; "
                + "move it away to start the pipeline afresh."
        }
    }

    /// A path relative to the current directory when it lies below it (`runs/x/state.sqlite`), else absolute.
    static func display(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        let prefix = cwd.hasSuffix("/") ? cwd : cwd + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    /// `10:42:03` for today, `2026-11-29 10:42:03` otherwise (local time).
    static func display(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = Calendar.current.isDateInToday(date) ? "HH:mm:ss" : "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }
}
