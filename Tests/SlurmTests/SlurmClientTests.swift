import Foundation
import Synchronization
import Testing
@testable import Slurm

/// A `CommandRunner` that answers from a script of recorded outputs and remembers every call.
final class RecordedRunner: CommandRunner {
    struct Call: Equatable {
        var tool: String
        var arguments: [String]
        var environment: [String: String]?
    }

    private let answers: [String: Result<CommandOutput, SlurmError>]
    private let calls = Mutex<[Call]>([])

    /// `answers`: tool name → what it returns (or throws).
    init(_ answers: [String: Result<CommandOutput, SlurmError>]) { self.answers = answers }

    var recorded: [Call] { calls.withLock { $0 } }

    func run(_ tool: String, _ arguments: [String], environment: [String: String]?, input: String?,
             timeout: Double) throws -> CommandOutput {
        calls.withLock { $0.append(Call(tool: tool, arguments: arguments, environment: environment)) }
        guard let answer = answers[tool] else { throw SlurmError.commandMissing(tool: tool) }
        return try answer.get()
    }
}

@Suite("Slurm client (recorded commands)")
struct SlurmClientTests {
    func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lema-slurm-unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func request(in dir: URL, resources: JobResources = JobResources(), warning: WarningSignal? = nil) -> JobRequest {
        JobRequest(name: JobName(run: "smoke", node: "train-3fa2c1d0", attempt: 2), argv: ["echo", "it's"],
                   directory: dir, resources: resources, requeue: warning != nil, warning: warning,
                   environment: JobEnvironment.forJob(from: ["PATH": "/bin", "SLURM_JOB_ID": "9", "SLURM_CONF": "/c",
                                                             "SLURMD_NODENAME": "x"], adding: ["LEMA_NODE": "n"]))
    }

    @Test("submit: script written, flags from resources, SLURM_* removed, job id parsed from id;cluster")
    func submit() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let runner = RecordedRunner(["sbatch": .success(CommandOutput(status: 0, stdout: "4242;lema\n"))])
        let resources = JobResources(cpus: 2, memoryMiB: 4096, gpus: 1, timeLimit: 5400, partition: "gpu",
                                     account: "lab", qos: "long", constraint: "a100", extraArgs: ["--exclusive"])
        let job = request(in: dir, resources: resources, warning: WarningSignal(secondsBefore: 120))
        let id = try SlurmClient(runner: runner).submit(job)
        #expect(id == "4242")
        let call = try #require(runner.recorded.first)
        #expect(call.tool == "sbatch")
        #expect(call.arguments == [
            "--parsable", "--job-name=lema.smoke.train-3fa2c1d0.2", "--chdir=\(dir.path)",
            "--output=\(dir.path)/job.2.out", "--error=\(dir.path)/job.2.err", "--open-mode=append", "--requeue",
            "--signal=B:USR1@120", "--cpus-per-task=2", "--mem=4096M", "--gpus=1", "--time=01:30:00",
            "--partition=gpu", "--account=lab", "--qos=long", "--constraint=a100", "--exclusive",
            "\(dir.path)/job.2.sh",
        ])
        #expect(call.environment == ["PATH": "/bin", "SLURM_CONF": "/c", "SLURMD_NODENAME": "x", "LEMA_NODE": "n"])
        let script = try String(contentsOf: job.scriptURL, encoding: .utf8)
        #expect(script.contains("echo 'it'\\''s' &"))
        #expect(script.contains("trap 'warned=1; signalled=1; kill -USR1 $child 2>/dev/null' USR1"))
        #expect(script.contains("scontrol requeue \"$SLURM_JOB_ID\" && exit 0"))
        #expect(script.contains("trap 'exit 143' TERM"))
        #expect(script.hasSuffix("exit $code\n"))
    }

    @Test("submit: Slurm's refusal reaches the user with Slurm's reason", arguments: [
        (Recorded.refusedGPUs, "Requested node configuration is not available"),
        (Recorded.refusedPartition, "invalid partition specified: nope; Invalid partition name specified"),
    ])
    func refused(stderr: String, reason: String) throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let runner = RecordedRunner(["sbatch": .success(CommandOutput(status: 1, stdout: "", stderr: stderr))])
        #expect(throws: SlurmError.submissionRefused(jobName: "lema.smoke.train-3fa2c1d0.2", reason: reason)) {
            try SlurmClient(runner: runner).submit(request(in: dir))
        }
    }

    @Test("sbatch missing: a clear error that names the tool and the way out")
    func missing() throws {
        let error = #expect(throws: SlurmError.self) { try SlurmClient(runner: RecordedRunner([:])).version() }
        #expect(error == .commandMissing(tool: "sbatch"))
        #expect(error?.description.contains("executor: local") == true)
        let real = ProcessCommandRunner(searchPath: ["/nonexistent"])
        #expect(throws: SlurmError.commandMissing(tool: "sbatch")) { try SlurmClient(runner: real).version() }
    }

    @Test("poll: one squeue call for many jobs")
    func pollMany() throws {
        let runner = RecordedRunner(["squeue": .success(CommandOutput(status: 0, stdout: Recorded.squeue))])
        let states = try SlurmClient(runner: runner).snapshots(of: ["11", "12", "13", "14", "15", "16", "4"])
        #expect(runner.recorded.count == 1)
        #expect(runner.recorded[0].arguments.contains("--jobs=11,12,13,14,15,16,4"))
        #expect(states.count == 7)
        #expect(states["12"]?.state.isAlive == true)
        #expect(states["11"]?.state.isAlive == false)
    }

    @Test("poll: a single forgotten job id is an empty answer, not a failure")
    func pollForgotten() throws {
        let runner = RecordedRunner(["squeue": .success(CommandOutput(
            status: 1, stdout: "", stderr: "slurm_load_jobs error: Invalid job id specified\n"))])
        #expect(try SlurmClient(runner: runner).snapshots(of: ["99999"]).isEmpty)
        let down = RecordedRunner(["squeue": .success(CommandOutput(
            status: 1, stdout: "", stderr: "slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n"))])
        #expect(throws: SlurmError.self) { try SlurmClient(runner: down).snapshots(of: ["1"]) }
    }

    @Test("find by name keeps exact matches only, oldest first")
    func byName() throws {
        let runner = RecordedRunner(["squeue": .success(CommandOutput(status: 0, stdout: Recorded.squeue))])
        let name = JobName(run: "smoke", node: "sample-0b1c2d3e", attempt: 1)
        let jobs = try SlurmClient(runner: runner).jobs(named: name)
        #expect(jobs.map(\.id) == ["13", "16"])
        #expect(runner.recorded[0].arguments.contains("--name=lema.smoke.sample-0b1c2d3e.1"))
    }

    @Test("final records: the completion log without accounting, sacct with it")
    func finalRecords() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("jobcomp.log")
        try Recorded.jobcomp.write(to: log, atomically: true, encoding: .utf8)
        let noDB = SlurmConfiguration(parsing: "AccountingStorageType = accounting_storage/none\n"
                                      + "JobCompType = jobcomp/filetxt\nJobCompLoc = \(log.path)\n")
        let runner = RecordedRunner([:])
        let fromLog = try SlurmClient(runner: runner).finalRecords(of: ["15", "11", "999"], configuration: noDB)
        #expect(runner.recorded.isEmpty)
        #expect(fromLog.keys.sorted() == ["11", "15"])
        #expect(fromLog["15"]?.state == .failed(exitCode: 7, signal: nil, reason: ""))

        let withDB = SlurmConfiguration(parsing: "AccountingStorageType = accounting_storage/slurmdbd\n")
        let sacct = RecordedRunner(["sacct": .success(CommandOutput(status: 0, stdout: "15|TIMEOUT|0:0|vm|00:01:00|x\n"))])
        let fromDB = try SlurmClient(runner: sacct).finalRecords(of: ["15"], configuration: withDB)
        #expect(fromDB["15"]?.state == .timeout)
        #expect(sacct.recorded[0].arguments.contains("--delimiter=|"))
    }

    @Test("job names round-trip; foreign names do not parse")
    func jobNames() {
        let name = JobName(run: "lema mini", node: "train-3fa2c1d0", attempt: 3)
        #expect(name.description == "lema.lema_mini.train-3fa2c1d0.3")
        #expect(JobName(parsing: name.description) == JobName(run: "lema_mini", node: "train-3fa2c1d0", attempt: 3))
        #expect(JobName(parsing: "wrap") == nil)
        #expect(JobName(parsing: "lema.a.b.0") == nil)
        #expect(JobName(parsing: "lema.a.b.c.1") == nil)
    }
}

@Suite("Job tracker (recorded commands)")
struct JobTrackerTests {
    @Test("markers decide success; squeue says alive or how Slurm ended it; vanished jobs use final records or are LOST")
    func outcomes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lema-tracker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func job(_ id: String, _ marker: String?) throws -> TrackedJob {
            let url = dir.appendingPathComponent("job.\(id).exit.json")
            if let marker { try marker.write(to: url, atomically: true, encoding: .utf8) }
            return TrackedJob(id: id, name: JobName(run: "r", node: "n\(id)", attempt: 1), marker: url)
        }
        let log = dir.appendingPathComponent("jobcomp.log")
        try Recorded.jobcomp.write(to: log, atomically: true, encoding: .utf8)
        // squeue knows 12 (running), 11 (TIMEOUT) and 14; 15 left the queue (the log has it), 77 is unknown.
        let squeue = """
        12|RUNNING|None|vm|0:03|lema.r.n12.1
        11|TIMEOUT|TimeLimit|vm|1:06|lema.r.n11.1
        14|COMPLETED|None|vm|0:05|lema.r.n14.1
        """
        let runner = RecordedRunner(["squeue": .success(CommandOutput(status: 0, stdout: squeue)),
                                     "scontrol": .success(CommandOutput(status: 0, stdout: """
                                     AccountingStorageType   = accounting_storage/none
                                     JobCompLoc              = \(log.path)
                                     JobCompType             = jobcomp/filetxt
                                     """))])
        var tracker = JobTracker(client: SlurmClient(runner: runner))
        let jobs = [try job("12", nil), try job("11", nil), try job("14", #"{"exit_code":0,"finished_at":1796667000}"#),
                    try job("15", #"{"exit_code":7,"finished_at":1796667001}"#), try job("16", nil), try job("77", nil)]
        let outcomes = try tracker.poll(jobs)
        #expect(outcomes["12"] == .alive(.running(node: "vm")))
        #expect(outcomes["11"] == .ended(.timeout))
        #expect(outcomes["14"] == .succeeded(ExitMarker(exitCode: 0, finishedAt: 1_796_667_000)))
        #expect(outcomes["15"] == .failed(ExitMarker(exitCode: 7, finishedAt: 1_796_667_001)))
        #expect(outcomes["77"] == .lost)
        #expect(outcomes["16"] == .lost)
        #expect(runner.recorded.map(\.tool) == ["squeue", "scontrol"])
        _ = try tracker.poll(jobs)
        #expect(runner.recorded.map(\.tool) == ["squeue", "scontrol", "squeue"])  // configuration read once
    }
}

@Suite("Controller probe")
struct ControllerProbeTests {
    @Test("scontrol ping's answer decides; a missing scontrol is a plain no")
    func ping() {
        let up = RecordedRunner(["scontrol": .success(CommandOutput(status: 0, stdout: "Slurmctld(primary) at vm is UP\n"))])
        #expect(SlurmClient(runner: up).controllerAnswers())
        let down = RecordedRunner(["scontrol": .success(CommandOutput(status: 1, stdout: "Slurmctld(primary) at vm is DOWN\n"))])
        #expect(!SlurmClient(runner: down).controllerAnswers())
        #expect(!SlurmClient(runner: RecordedRunner([:])).controllerAnswers())
    }
}
