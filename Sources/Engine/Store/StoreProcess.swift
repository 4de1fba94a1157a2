import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Facts about processes on this host, used to tell a live lock owner from a dead one.
enum StoreProcess {
    /// This machine's host name (`gethostname`), cached.
    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    static var currentPID: Int32 { getpid() }

    /// True when a process with this pid exists (a zombie counts). EPERM means it exists but belongs to someone else.
    static func exists(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) == 0 { return true }
        return errno == EPERM
    }

    /// The kernel's start time of `pid` in clock ticks since boot (`/proc/<pid>/stat`, field 22), or nil when
    /// unavailable (no /proc, process gone). Together with the pid it identifies a process across pid reuse.
    static func startTime(of pid: Int32) -> UInt64? {
        if pid == currentPID { return ownStartTime }
        return readStartTime(of: pid)
    }

    /// This process's start time, read once (it never changes).
    private static let ownStartTime: UInt64? = readStartTime(of: getpid())

    private static func readStartTime(of pid: Int32) -> UInt64? {
        guard pid > 0, let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let bytes = [UInt8](data)
        // Field 2 (the command name) is in parentheses and may itself contain spaces or ')': split after the last ')'.
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        // fields[0] is field 3 (state), so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return UInt64(String(decoding: fields[19], as: UTF8.self))
    }

    /// True when the process that was `pid` with kernel start time `startTime` still runs on this host.
    /// A live pid whose start time differs is a different process that reused the number: the owner is dead.
    static func isAlive(pid: Int32, startTime recorded: UInt64?) -> Bool {
        guard exists(pid) else { return false }
        guard let recorded, let current = startTime(of: pid) else { return true }
        return recorded == current
    }
}
