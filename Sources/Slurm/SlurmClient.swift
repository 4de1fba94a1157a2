import Foundation
import LemaCore

/// Slurm through its commands. Every method runs one command (submission: one sbatch; polling: one squeue for all
/// the jobs asked about), so a controller following 200 jobs costs Slurm one query per poll.
public struct SlurmClient: Sendable {
    /// Starts the Slurm commands: `ProcessCommandRunner` by default, recorded output in tests.
    public var runner: any CommandRunner
    /// Seconds any one command may take before it is killed and reported.
    public var timeout: Double

    /// A client for the real commands on PATH, each allowed `timeout` seconds.
    public init(runner: any CommandRunner = ProcessCommandRunner(), timeout: Double = 60) {
        self.runner = runner
        self.timeout = timeout
    }

    /// Slurm's version (`slurm 22.05.8`); throws `commandMissing` when sbatch is not installed, so a run can fail
    /// before anything is submitted.
    public func version() throws -> String {
        let out = try run("sbatch", ["--version"])
        guard out.status == 0 else { throw failure("sbatch", ["--version"], out) }
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether a controller answers (`scontrol ping`), without throwing: for start-up checks and test probes.
    public func controllerAnswers() -> Bool {
        (try? run("scontrol", ["ping"]))?.stdout.contains("is UP") == true
    }

    /// Writes the batch script into the job's directory and submits it; returns the job id. Slurm's refusal
    /// (unknown partition, impossible resources) is `SlurmError.submissionRefused` with Slurm's reason. A
    /// `commandTimedOut` means the job may or may not exist: look it up with `jobs(named:)` before submitting again.
    public func submit(_ request: JobRequest) throws -> String {
        try AtomicFile.write(Data(request.batchScript.utf8), to: request.scriptURL)
        let args = request.sbatchArguments
        let out = try runner.run("sbatch", args, environment: request.environment, input: nil, timeout: timeout)
        guard out.status == 0 else {
            let reason = SlurmError.firstLines(out.stderr)
            throw SlurmError.submissionRefused(jobName: request.name.description,
                                               reason: reason.isEmpty ? "sbatch exited with status \(out.status)" : reason)
        }
        return try Self.parseJobID(out.stdout)
    }

    /// `--parsable` prints `id` or `id;cluster`.
    static func parseJobID(_ stdout: String) throws -> String {
        let first = stdout.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let id = first.split(separator: ";").first.map(String.init) ?? ""
        guard !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") }) else {
            throw SlurmError.unexpectedOutput(tool: "sbatch", detail: "expected a job id, got '\(first)'")
        }
        return id
    }

    /// What squeue knows of these jobs, by id, in one call. Jobs Slurm has forgotten (finished longer ago than its
    /// `MinJobAge`) are absent.
    public func snapshots(of ids: [String]) throws -> [String: JobSnapshot] {
        guard !ids.isEmpty else { return [:] }
        let args = ["--noheader", "--states=all", "--jobs=\(ids.joined(separator: ","))", "--format=\(SqueueParser.format)"]
        let out = try run("squeue", args)
        // With a single unknown id squeue fails instead of listing nothing.
        if out.status != 0, out.stderr.contains("Invalid job id specified") { return [:] }
        guard out.status == 0 else { throw failure("squeue", args, out) }
        return Dictionary(try SqueueParser.parse(out.stdout).map { ($0.id, $0) }, uniquingKeysWith: { _, b in b })
    }

    /// Jobs with this exact name that Slurm still knows, oldest first.
    public func jobs(named name: JobName) throws -> [JobSnapshot] {
        let args = ["--noheader", "--states=all", "--name=\(name)", "--format=\(SqueueParser.format)"]
        let out = try run("squeue", args)
        guard out.status == 0 else { throw failure("squeue", args, out) }
        return try SqueueParser.parse(out.stdout).filter { $0.name == name.description }
            .sorted { (Int($0.id) ?? 0) < (Int($1.id) ?? 0) }
    }

    /// Cancels jobs (one scancel). Jobs that already ended are not an error.
    public func cancel(_ ids: [String]) throws {
        guard !ids.isEmpty else { return }
        let out = try run("scancel", ids)
        if out.status != 0, !out.stderr.contains("Invalid job id"), !out.stderr.contains("already completing or completed") {
            throw failure("scancel", ids, out)
        }
    }

    /// The cluster's configuration (`scontrol show config`), for where final records are kept.
    public func configuration() throws -> SlurmConfiguration {
        let out = try run("scontrol", ["show", "config"])
        guard out.status == 0 else { throw failure("scontrol", ["show", "config"], out) }
        return SlurmConfiguration(parsing: out.stdout)
    }

    func run(_ tool: String, _ args: [String]) throws -> CommandOutput {
        try runner.run(tool, args, environment: nil, input: nil, timeout: timeout)
    }

    func failure(_ tool: String, _ args: [String], _ out: CommandOutput) -> SlurmError {
        .commandFailed(tool: tool, arguments: args, status: out.status, stderr: out.stderr)
    }
}

extension SlurmClient {
    /// Lets a pending job start now (`scontrol update jobid=N StartTime=now`): Slurm holds a requeued job back for
    /// a while (its `BeginTime`), which a job lema requeued to continue from its checkpoint need not wait out.
    public func startNow(_ id: String) throws {
        let args = ["update", "jobid=\(id)", "StartTime=now"]
        let out = try run("scontrol", args)
        guard out.status == 0 else { throw failure("scontrol", args, out) }
    }
}
