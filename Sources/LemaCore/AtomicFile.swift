import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that a reader (or a process restarted after SIGKILL) sees either the old bytes or the new bytes,
/// never a torn file: write to a temporary file in the same directory, fsync it, rename over the target, fsync the
/// directory so the rename itself is durable.
public enum AtomicFile {
    /// Atomically replaces `url` with `data`, creating parent directories as needed.
    public static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        if mkdir(dir.path, 0o755) != 0, errno != EEXIST {
            do {
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            } catch {
                throw AtomicFileError(path: dir.path, operation: "create directory", code: ENOTDIR)
            }
        }
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw AtomicFileError(path: tmp.path, operation: "open", code: errno) }
        var ok = true
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; ok = false; return }
                offset += n
            }
        }
        let writeErrno = errno
        if !ok { close(fd); unlink(tmp.path); throw AtomicFileError(path: tmp.path, operation: "write", code: writeErrno) }
        if fsync(fd) != 0 { let e = errno; close(fd); unlink(tmp.path); throw AtomicFileError(path: tmp.path, operation: "fsync", code: e) }
        close(fd)
        if rename(tmp.path, url.path) != 0 {
            let e = errno
            unlink(tmp.path)
            throw AtomicFileError(path: url.path, operation: "rename", code: e)
        }
        syncDirectory(dir)
    }

    /// Removes the temporary files that writers killed mid-write (SIGKILL, OOM) left in `dir`
    /// (`.NAME.tmp-PID`, never a finished file), except this process's own. Call it only where no other live
    /// process writes (a node directory under the run lock). Returns how many were removed.
    @discardableResult
    public static func removeLeftovers(in dir: URL) -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return 0 }
        let own = ".tmp-\(getpid())"
        var removed = 0
        for name in names where name.hasPrefix(".") && !name.hasSuffix(own) {
            guard let marker = name.range(of: ".tmp-", options: .backwards),
                  !name[marker.upperBound...].isEmpty, name[marker.upperBound...].allSatisfy({ $0.isASCII && $0.isNumber })
            else { continue }
            if unlink(dir.appendingPathComponent(name).path) == 0 { removed += 1 }
        }
        return removed
    }

    /// fsyncs a directory so that renames inside it survive a crash. Best effort: some filesystems refuse.
    public static func syncDirectory(_ dir: URL) {
        let dfd = open(dir.path, O_RDONLY)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }
}

/// A failed step of an atomic write, with the OS error.
public struct AtomicFileError: Error, CustomStringConvertible, Sendable {
    /// The file or directory the step failed on.
    public let path: String
    /// The step ("open", "write", "fsync", "rename", …).
    public let operation: String
    /// The OS error number.
    public let code: Int32
    /// `cannot OPERATION PATH: reason`.
    public var description: String { "cannot \(operation) \(path): \(String(cString: strerror(code)))" }
}
