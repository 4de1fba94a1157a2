import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Helpers of the CLI tests: find the built `lema`, run it in a scratch directory, start it in its own process
/// group (so a test can SIGKILL it together with everything it started), read files.
public enum CLI {
    public struct Result: Sendable {
        public var code: Int32
        public var stdout: String
        public var stderr: String
    }

    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }

    /// The `lema` executable built next to the test bundle (`.build/<config>/lema`).
    public static func lemaPath() throws -> String {
        var candidates: [String] = []
        if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent().appendingPathComponent("lema").path) }
        let argv0 = URL(fileURLWithPath: CommandLine.arguments[0])
        candidates.append(argv0.deletingLastPathComponent().appendingPathComponent("lema").path)
        candidates.append(argv0.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("lema").path)
        candidates.append(FileManager.default.currentDirectoryPath + "/.build/debug/lema")
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        throw Missing(description: "no built lema executable (looked at \(candidates)); run `swift build` first")
    }

    /// A fresh scratch directory, removed after `body`.
    public static func withScratch<T>(_ body: (URL) throws -> T) throws -> T {
        let directory = try makeScratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        return try body(directory)
    }

    /// `withScratch` for async bodies.
    public static func withScratchAsync<T>(_ body: (URL) async throws -> T) async throws -> T {
        let directory = try makeScratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await body(directory)
    }

    private static func makeScratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("lema-cli-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    public static func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    public static func read(_ url: URL) -> String {
        (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }

    /// Lines of a side-effect log (missing file = none).
    public static func lines(_ url: URL) -> [String] {
        read(url).split(separator: "\n").map(String.init)
    }

    /// A started `lema` process (its own process group: pgid == pid).
    /// `@unchecked Sendable`: a test hands it to the thread that waits for it; one thread uses it at a time.
    public final class Running: @unchecked Sendable {
        public let pid: pid_t
        public let stdoutPath: String
        public let stderrPath: String
        private var exitCode: Int32?

        init(pid: pid_t, stdoutPath: String, stderrPath: String) {
            self.pid = pid
            self.stdoutPath = stdoutPath
            self.stderrPath = stderrPath
        }

        /// Exit code if it has finished (non-blocking).
        public func poll() -> Int32? {
            if let exitCode { return exitCode }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { exitCode = decode(status) }
            return exitCode
        }

        @discardableResult
        public func wait() -> Int32 {
            if let exitCode { return exitCode }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            exitCode = decode(status)
            return exitCode!
        }

        /// SIGKILLs the whole process group and reaps the leader.
        public func killGroup() {
            kill(-pid, SIGKILL)
            wait()
        }

        public func signal(_ number: Int32) { kill(pid, number) }

        public var stdout: String { CLI.read(URL(fileURLWithPath: stdoutPath)) }
        public var stderr: String { CLI.read(URL(fileURLWithPath: stderrPath)) }

        private func decode(_ status: Int32) -> Int32 {
            let sig = status & 0x7f
            return sig == 0 ? (status >> 8) & 0xff : 128 + sig
        }
    }

    /// Starts `lema args…` in `directory` in a new process group; output goes to files in `directory`.
    public static func start(_ args: [String], in directory: URL, env: [String: String] = [:], tag: String = "lema") throws -> Running {
        let lema = try lemaPath()
        let out = directory.appendingPathComponent(".\(tag)-\(UUID().uuidString).out").path
        let err = directory.appendingPathComponent(".\(tag)-\(UUID().uuidString).err").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        // The test process's cwd is not ours to change; run through `sh -c 'cd DIR && exec lema …'`.
        let quoted = ([lema] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let argv = ["/bin/sh", "-c", "cd '\(directory.path)' && exec \(quoted)"]
        var environment = ProcessInfo.processInfo.environment
        environment["LEMA_RUNS_DIR"] = nil
        for (k, v) in env { environment[k] = v }
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cArgv.forEach { free($0) }; cEnv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/sh", &actions, &attributes, cArgv, cEnv)
        guard rc == 0 else { throw Missing(description: "cannot start lema: \(String(cString: strerror(rc)))") }
        return Running(pid: pid, stdoutPath: out, stderrPath: err)
    }

    /// Runs `lema args…` in `directory` to completion.
    @discardableResult
    public static func run(_ args: [String], in directory: URL, env: [String: String] = [:]) throws -> Result {
        let process = try start(args, in: directory, env: env)
        let code = process.wait()
        let result = Result(code: code, stdout: process.stdout, stderr: process.stderr)
        try? FileManager.default.removeItem(atPath: process.stdoutPath)
        try? FileManager.default.removeItem(atPath: process.stderrPath)
        return result
    }

    /// Polls (every 5 ms) until `condition` holds or `process` exits; returns whether the condition held.
    public static func waitUntil(_ process: Running, _ condition: () -> Bool) -> Bool {
        while true {
            if condition() { return true }
            if process.poll() != nil { return condition() }
            usleep(5000)
        }
    }

    /// Whether `pid` exists and is not a zombie (an orphan may wait a while for a reaper in a container).
    public static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != "Z" && state != "X"
    }

    /// Every file under `directory` (relative path → bytes), skipping the state database and our output captures.
    public static func tree(_ directory: URL) -> [String: Data] {
        var out: [String: Data] = [:]
        let base = directory.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: base) else { return out }
        for case let path as String in walker {
            let full = base + "/" + path
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue,
                  !path.contains("state.sqlite") else { continue }
            out[path] = FileManager.default.contents(atPath: full)
        }
        return out
    }
}
