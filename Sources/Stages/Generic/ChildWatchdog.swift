import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Stops child process groups whose node was cancelled (timeout, SIGINT/SIGTERM). One timer checks every watched
/// child's cancellation flag 20 times a second: SIGTERM to the group first, SIGKILL if it is still there after a
/// grace period. The waiting thread itself just blocks in `waitid`, so a child that exits normally costs no polling.
public final class ChildWatchdog: @unchecked Sendable {
    // @unchecked Sendable: `entries`, `nextToken` and `timer` are only touched under `lock`.
    private struct Entry {
        var pid: pid_t
        var isCancelled: @Sendable () -> Bool
        var terminatedAt: Date?
    }

    /// The process-wide watchdog, safe to use from any thread. Creating it sets SIGPIPE to ignored for the whole
    /// process.
    public static let shared = ChildWatchdog()
    /// Time between SIGTERM and SIGKILL.
    static let gracePeriod: TimeInterval = 3

    private let lock = NSLock()
    private var entries: [Int: Entry] = [:]
    private var nextToken = 0
    private var timer: DispatchSourceTimer?

    private init() {
        // Writing to the stdin pipe of a child that already exited must be an error (EPIPE), not our death.
        signal(SIGPIPE, SIG_IGN)
    }

    /// Watches `pid` (a process-group leader) until `unwatch`.
    func watch(pid: pid_t, isCancelled: @escaping @Sendable () -> Bool) -> Int {
        lock.lock()
        defer { lock.unlock() }
        nextToken += 1
        entries[nextToken] = Entry(pid: pid, isCancelled: isCancelled)
        if timer == nil {
            let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
            timer.schedule(deadline: .now() + .milliseconds(50), repeating: .milliseconds(50), leeway: .milliseconds(20))
            timer.setEventHandler { [weak self] in self?.check() }
            timer.resume()
            self.timer = timer
        }
        return nextToken
    }

    func unwatch(_ token: Int) {
        lock.lock()
        entries.removeValue(forKey: token)
        lock.unlock()
    }

    private func check() {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        for (token, entry) in entries {
            if let since = entry.terminatedAt {
                if now.timeIntervalSince(since) >= Self.gracePeriod { kill(-entry.pid, SIGKILL) }
            } else if entry.isCancelled() {
                kill(-entry.pid, SIGTERM)
                entries[token]?.terminatedAt = now
            }
        }
    }

    /// Kills every watched child's process group now (for a forced exit on a second SIGINT).
    public func killAll() {
        lock.lock()
        defer { lock.unlock() }
        for entry in entries.values { kill(-entry.pid, SIGKILL) }
    }
}
