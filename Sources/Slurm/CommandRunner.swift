import Foundation

/// What a finished command returned.
public struct CommandOutput: Sendable, Equatable {
    /// Exit status (a signal-killed command reports 128 + signal).
    public var status: Int32
    /// Everything the command wrote to standard output.
    public var stdout: String
    /// Everything the command wrote to standard error (Slurm's error messages are here).
    public var stderr: String

    /// `stderr` defaults to empty.
    public init(status: Int32, stdout: String, stderr: String = "") {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Runs one command: the seam between the Slurm client and the processes it starts. Tests implement it with
/// recorded output so that every parser and decision can be checked without a cluster.
public protocol CommandRunner: Sendable {
    /// Runs `tool` (looked up in PATH) with `arguments`. `environment` replaces the process environment when given;
    /// `input` is written to standard input. Throws `SlurmError.commandMissing` when the tool does not exist and
    /// `SlurmError.commandTimedOut` when it runs longer than `timeout` seconds (it is then killed).
    func run(_ tool: String, _ arguments: [String], environment: [String: String]?, input: String?,
             timeout: Double) throws -> CommandOutput
}

/// Runs real processes with Foundation's `Process`. Output is read while the command runs, so a long squeue
/// answer never blocks on a full pipe.
public struct ProcessCommandRunner: CommandRunner {
    /// Directories searched for the tools; the process's PATH by default.
    public var searchPath: [String]

    /// Looks tools up in `searchPath`, or in this process's PATH (`/usr/bin:/bin` when PATH is unset) when nil.
    public init(searchPath: [String]? = nil) {
        self.searchPath = searchPath ?? (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            .split(separator: ":").map(String.init)
    }

    /// The tool's full path, if it is on the search path.
    public func locate(_ tool: String) -> String? {
        if tool.contains("/") { return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil }
        for dir in searchPath where !dir.isEmpty {
            let path = dir + "/" + tool
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Blocks until the command exits; past `timeout` it gets SIGTERM and, 2 s later, SIGKILL. A tool that
    /// cannot be started throws `commandFailed` with status -1. Ignores SIGPIPE process-wide when `input` is given.
    /// Safe to call from several threads.
    public func run(_ tool: String, _ arguments: [String], environment: [String: String]?, input: String?,
                    timeout: Double) throws -> CommandOutput {
        guard let path = locate(tool) else { throw SlurmError.commandMissing(tool: tool) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input == nil ? FileHandle.nullDevice : inPipe
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do {
            try process.run()
        } catch {
            throw SlurmError.commandFailed(tool: tool, arguments: arguments, status: -1,
                                           stderr: "cannot start: \(error.localizedDescription)")
        }
        let collected = OutputCollector()
        let group = DispatchGroup()
        for (handle, isOut) in [(out.fileHandleForReading, true), (err.fileHandleForReading, false)] {
            DispatchQueue.global().async(group: group) {
                let data = handle.readDataToEndOfFile()
                collected.set(data, isOut: isOut)
            }
        }
        if let input {
            // A command that exits without reading its input must not take this process down with SIGPIPE.
            signal(SIGPIPE, SIG_IGN)
            inPipe.fileHandleForWriting.write(Data(input.utf8))
            try? inPipe.fileHandleForWriting.close()
        }
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            if finished.wait(timeout: .now() + 2) == .timedOut { kill(process.processIdentifier, SIGKILL) }
            throw SlurmError.commandTimedOut(tool: tool, arguments: arguments, seconds: timeout)
        }
        group.wait()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus
            : process.terminationStatus
        let (stdout, stderr) = collected.texts
        return CommandOutput(status: status, stdout: stdout, stderr: stderr)
    }
}

/// Both output streams, filled from two reader threads.
private final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data(), err = Data()

    func set(_ data: Data, isOut: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if isOut { out = data } else { err = data }
    }

    var texts: (String, String) {
        lock.lock()
        defer { lock.unlock() }
        return (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}
