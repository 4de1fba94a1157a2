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

    /// True when a process with this pid exists (a zombie counts: see `liveness` for "still running").
    /// EPERM means it exists but belongs to someone else.
    static func exists(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) == 0 { return true }
        return errno == EPERM
    }

    /// Where a process stands, for deciding whether a lock it holds will be released without anyone's help.
    enum Liveness: Equatable {
        /// Runs (or sleeps) normally: its locks stay until it decides to let go.
        case running
        /// Killed or exiting, possibly a zombie: the kernel releases its locks as its threads finish exiting.
        case exiting
        /// No such process (or the pid now names another process).
        case gone
    }

    /// The liveness of the process that was `pid` with kernel start time `startTime` (nil: not recorded).
    /// A SIGKILLed multi-threaded process takes a moment to disappear: its thread-group leader shows a pending
    /// SIGKILL, then the kernel's exiting flag, then sits as a zombie until its parent reaps it; all of that is
    /// `exiting`, not `running`.
    static func liveness(pid: Int32, startTime recorded: UInt64?) -> Liveness {
        guard exists(pid) else { return .gone }
        guard let stat = readStat(of: pid) else { return .running }  // no /proc: assume the worst
        if let recorded, let current = stat.startTime, recorded != current { return .gone }
        if stat.state == "Z" || stat.state == "X" || stat.flags & pfExiting != 0 { return .exiting }
        if hasPendingKill(pid) { return .exiting }
        return .running
    }

    /// `PF_EXITING` in the kernel's per-task flags (field 9 of /proc/<pid>/stat): set when the task starts to exit.
    private static let pfExiting: UInt64 = 0x4

    /// True when SIGKILL is pending for `pid` (its thread's or the group's pending set in /proc/<pid>/status).
    private static func hasPendingKill(_ pid: Int32) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/status") else { return false }
        let killBit: UInt64 = 1 << (UInt64(SIGKILL) - 1)
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n")
        where line.hasPrefix("SigPnd:") || line.hasPrefix("ShdPnd:") {
            let hex = line.split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if let mask = UInt64(hex, radix: 16), mask & killBit != 0 { return true }
        }
        return false
    }

    /// The kernel's start time of `pid` in clock ticks since boot (`/proc/<pid>/stat`, field 22), or nil when
    /// unavailable (no /proc, process gone). Together with the pid it identifies a process across pid reuse.
    static func startTime(of pid: Int32) -> UInt64? {
        if pid == currentPID { return ownStartTime }
        return readStartTime(of: pid)
    }

    /// This process's start time, read once (it never changes).
    private static let ownStartTime: UInt64? = readStartTime(of: getpid())

    private static func readStartTime(of pid: Int32) -> UInt64? { readStat(of: pid)?.startTime }

    /// Fields 3 (state), 9 (kernel flags) and 22 (start time) of /proc/<pid>/stat, or nil when unreadable.
    private static func readStat(of pid: Int32) -> (state: Character, flags: UInt64, startTime: UInt64?)? {
        guard pid > 0, let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let bytes = [UInt8](data)
        // Field 2 (the command name) is in parentheses and may itself contain spaces or ')': split after the last ')'.
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        // fields[0] is field 3 (state), so field n is fields[n - 3].
        guard fields.count > 6, let state = fields[0].first else { return nil }
        let flags = UInt64(String(decoding: fields[6], as: UTF8.self)) ?? 0
        let start = fields.count > 19 ? UInt64(String(decoding: fields[19], as: UTF8.self)) : nil
        return (Character(UnicodeScalar(state)), flags, start)
    }

    /// True when the process that was `pid` with kernel start time `startTime` still runs on this host (not
    /// exiting, not a zombie). A live pid whose start time differs is a different process that reused the number.
    static func isAlive(pid: Int32, startTime recorded: UInt64?) -> Bool {
        liveness(pid: pid, startTime: recorded) == .running
    }
}
