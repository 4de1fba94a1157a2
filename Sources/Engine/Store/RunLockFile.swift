import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The kernel-held half of the run lock: an exclusive `flock` on `state.sqlite.lock` beside the database, held for
/// the whole run. The kernel releases it when the owner's last descriptor closes — on exit, crash or SIGKILL —
/// so no stale lock can outlive its process, and no pid probing decides who may run. The descriptor is
/// close-on-exec: commands a stage starts never inherit it (a surviving child must not keep the lock).
final class RunLockFile {
    let path: String
    private var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// The lock file's path for a database at `databasePath`.
    static func path(forDatabase databasePath: String) -> String { databasePath + ".lock" }

    /// Takes the lock without waiting: the held lock, or nil when another open file description holds it (another
    /// process, or another `Store` of this process). Throws when the file cannot be opened or locked at all.
    static func tryAcquire(path: String) throws -> RunLockFile? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot open the lock file", path: path) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            close(fd)
            if code == EWOULDBLOCK { return nil }
            errno = code
            throw failure("cannot lock", path: path)
        }
        return RunLockFile(path: path, descriptor: fd)
    }

    /// Releases the lock (closing the descriptor). Safe to call twice.
    func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }

    private static func failure(_ what: String, path: String) -> StoreError {
        StoreError.lockFile(path: path, detail: "\(what): \(String(cString: strerror(errno)))")
    }
}
