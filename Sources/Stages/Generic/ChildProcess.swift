import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a child's standard output or error goes.
enum ChildOutput {
    /// Truncated and written to this file.
    case file(String)
    /// Read into memory and returned.
    case capture
    /// /dev/null.
    case discard
}

/// How a child process ended.
struct ChildExit: Sendable, Hashable, CustomStringConvertible {
    /// Exit code when it exited normally.
    var code: Int32?
    /// Signal number when a signal killed it.
    var signal: Int32?
    var succeeded: Bool { code == 0 }
    var description: String {
        if let code { return "exit code \(code)" }
        if let signal { return "killed by signal \(signal)" + (signal == SIGKILL ? " (SIGKILL)" : signal == SIGTERM ? " (SIGTERM)" : "") }
        return "unknown exit"
    }
}

/// A failure to start a child (not its non-zero exit).
struct ChildSpawnError: Error, CustomStringConvertible {
    var program: String
    var code: Int32
    var description: String {
        code == ENOENT ? "cannot run '\(program)': no such program (not found in PATH)"
            : "cannot run '\(program)': \(String(cString: strerror(code)))"
    }
}

/// Runs external programs with `posix_spawnp` (no shell, no Foundation `Process`: a vfork-style spawn is several
/// times cheaper, which matters for thousands of tiny commands). Every child gets its own process group, so a
/// timeout or an interruption can stop it together with whatever it started; default signal dispositions and an
/// empty signal mask (the parent ignores SIGINT/SIGTERM while it runs); and no file descriptors beyond 0–2.
enum ChildProcess {
    /// Runs `argv` to completion. `stdin` is written to the child's standard input (nil: /dev/null). While the child
    /// runs, `isCancelled` is polled by `ChildWatchdog`, which stops its process group when it turns true.
    /// Returns the exit and whatever was captured.
    static func run(argv: [String], environment: [String: String], directory: String?, stdin: Data?,
                    stdout: ChildOutput, stderr: ChildOutput,
                    isCancelled: (@Sendable () -> Bool)?) throws -> (exit: ChildExit, stdout: Data, stderr: Data) {
        guard let program = argv.first else { throw ChildSpawnError(program: "", code: EINVAL) }
        _ = ChildWatchdog.shared  // its init makes SIGPIPE harmless before we write to a child's stdin
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        // Pipes are created close-on-exec; the child's copies are made by dup2 below.
        var pipes = PipeSet()
        defer { pipes.closeAll() }
        if let stdin {
            pipes.stdin = try makePipe()
            posix_spawn_file_actions_adddup2(&fileActions, pipes.stdin.read, 0)
            pipes.stdinData = stdin
        } else {
            posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        }
        for (fd, output) in [(Int32(1), stdout), (Int32(2), stderr)] {
            switch output {
            case .file(let path):
                posix_spawn_file_actions_addopen(&fileActions, fd, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            case .discard:
                posix_spawn_file_actions_addopen(&fileActions, fd, "/dev/null", O_WRONLY, 0)
            case .capture:
                let p = try makePipe()
                if fd == 1 { pipes.stdout = p } else { pipes.stderr = p }
                posix_spawn_file_actions_adddup2(&fileActions, p.write, fd)
            }
        }
        if let closeFrom = GNUSpawn.addCloseFrom { _ = closeFrom(&fileActions, 3) }
        if let directory {
            guard let addChdir = GNUSpawn.addChdir else {
                throw ChildSpawnError(program: program, code: ENOSYS)  // glibc < 2.29
            }
            _ = addChdir(&fileActions, directory)
        }

        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGINT, SIGTERM, SIGPIPE, SIGQUIT, SIGHUP] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in cArgv { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, program, &fileActions, &attributes, cArgv, cEnv)
        guard rc == 0 else { throw ChildSpawnError(program: program, code: rc) }
        pipes.closeChildEnds()

        let watch = isCancelled.map { ChildWatchdog.shared.watch(pid: pid, isCancelled: $0) }
        let (out, err) = pipes.pump()
        let exit = waitForExit(pid, unwatch: watch)
        return (exit, out, err)
    }

    /// Waits without reaping, stops watching, then reaps: the watchdog can never signal a recycled pid.
    private static func waitForExit(_ pid: pid_t, unwatch token: Int?) -> ChildExit {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
        if let token { ChildWatchdog.shared.unwatch(token) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift does not import.
        let termSignal = status & 0x7f
        return termSignal == 0 ? ChildExit(code: (status >> 8) & 0xff, signal: nil) : ChildExit(code: nil, signal: termSignal)
    }

    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw ChildSpawnError(program: "pipe", code: errno) }
        // Close-on-exec: another thread's spawn must not inherit our ends (closefrom(3) in the child covers the
        // window between pipe() and here).
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return (fds[0], fds[1])
    }

    /// The process's environment plus `extra` (extra wins).
    static func environment(adding extra: [String: String]) -> [String: String] {
        ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
    }
}

/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34) and `..._addchdir_np` (2.29). Swift's Glibc module does
/// not import these GNU extensions, so they are looked up by name once.
private enum GNUSpawn {
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    static let addCloseFrom: AddCloseFrom? = lookup("posix_spawn_file_actions_addclosefrom_np")
    static let addChdir: AddChdir? = lookup("posix_spawn_file_actions_addchdir_np")

    private static func lookup<F>(_ name: String) -> F? {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }  // RTLD_DEFAULT
        return unsafeBitCast(symbol, to: F.self)
    }
}

/// The parent's ends of a child's pipes, and the loop that feeds stdin and drains stdout/stderr together
/// (poll-based, so a child that writes a lot before reading its input cannot deadlock us).
private struct PipeSet {
    static let none: (read: Int32, write: Int32) = (-1, -1)
    var stdin = PipeSet.none
    var stdout = PipeSet.none
    var stderr = PipeSet.none
    var stdinData = Data()

    mutating func closeChildEnds() {
        closeFD(&stdin.read)
        closeFD(&stdout.write)
        closeFD(&stderr.write)
    }

    mutating func closeAll() {
        for p in [\PipeSet.stdin, \PipeSet.stdout, \PipeSet.stderr] {
            closeFD(&self[keyPath: p].read)
            closeFD(&self[keyPath: p].write)
        }
    }

    private func closeFD(_ fd: inout Int32) {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    mutating func pump() -> (Data, Data) {
        var out = Data(), err = Data()
        var written = 0
        if stdin.write >= 0, stdinData.isEmpty { closeFD(&stdin.write) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while stdin.write >= 0 || stdout.read >= 0 || stderr.read >= 0 {
            var fds: [pollfd] = []
            if stdin.write >= 0 { fds.append(pollfd(fd: stdin.write, events: Int16(POLLOUT), revents: 0)) }
            if stdout.read >= 0 { fds.append(pollfd(fd: stdout.read, events: Int16(POLLIN), revents: 0)) }
            if stderr.read >= 0 { fds.append(pollfd(fd: stderr.read, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), -1)
            if ready < 0 { if errno == EINTR { continue }; break }
            for fd in fds where fd.revents != 0 {
                if fd.fd == stdin.write {
                    let n = stdinData.withUnsafeBytes { raw in
                        Glibc.write(fd.fd, raw.baseAddress! + written, min(raw.count - written, 65536))
                    }
                    if n > 0 { written += n }
                    if n < 0 && errno != EAGAIN && errno != EINTR || written >= stdinData.count { closeFD(&stdin.write) }
                } else {
                    let n = read(fd.fd, &buffer, buffer.count)
                    if n > 0 {
                        if fd.fd == stdout.read { out.append(buffer, count: n) } else { err.append(buffer, count: n) }
                    } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                        if fd.fd == stdout.read { closeFD(&stdout.read) } else { closeFD(&stderr.read) }
                    }
                }
            }
        }
        return (out, err)
    }
}
