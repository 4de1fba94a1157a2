import Foundation
import LemaTestSupport
import Slurm
import Synchronization
import Testing
@testable import Engine

private typealias Fx = StoreFixtures

/// Answers Slurm commands from a table (tool → outputs, taken in order; the last one repeats) and counts calls.
final class ScriptedRunner: CommandRunner {
    private let state: Mutex<(answers: [String: [Result<CommandOutput, SlurmError>]], calls: [String])>

    init(_ answers: [String: [Result<CommandOutput, SlurmError>]]) { state = Mutex((answers, [])) }

    var calls: [String] { state.withLock { $0.calls } }

    func run(_ tool: String, _ arguments: [String], environment: [String: String]?, input: String?,
             timeout: Double) throws -> CommandOutput {
        let answer: Result<CommandOutput, SlurmError>? = state.withLock { s in
            s.calls.append(tool)
            guard var list = s.answers[tool], let first = list.first else { return nil }
            if list.count > 1 { list.removeFirst(); s.answers[tool] = list }
            return first
        }
        guard let answer else { throw SlurmError.commandMissing(tool: tool) }
        return try answer.get()
    }
}

@Suite("Slurm submission: one job per attempt, whatever happened before")
struct SlurmSubmissionTests {
    static let name = JobName(run: "demo", node: "train-bbbbbbbbbbbb", attempt: 1)
    static let node = Fx.fingerprint("b")
    static let noLog = SlurmConfiguration(parsing: "AccountingStorageType = accounting_storage/none\n")
    static let timedOut = SlurmError.commandTimedOut(tool: "sbatch", arguments: [], seconds: 60)

    func request(_ dir: URL) -> JobRequest {
        JobRequest(name: Self.name, argv: ["true"], directory: dir, environment: [:])
    }

    func submit(_ dir: URL, _ store: Store, _ runner: ScriptedRunner,
                configuration: SlurmConfiguration = noLog) throws -> (String, SlurmSubmission.Source) {
        let r = try SlurmSubmission.submitOnce(request(dir), node: Self.node, store: store,
                                               client: SlurmClient(runner: runner), configuration: { configuration })
        return (r.jobID, r.source)
    }

    static func listed(_ id: String, _ state: String = "RUNNING") -> Result<CommandOutput, SlurmError> {
        .success(CommandOutput(status: 0, stdout: "\(id)|\(state)|None|vm|0:01|\(name)\n"))
    }
    static let empty: Result<CommandOutput, SlurmError> = .success(CommandOutput(status: 0, stdout: ""))

    @Test("a fresh attempt is submitted once; asking again returns the recorded job")
    func fresh() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            let runner = ScriptedRunner(["sbatch": [.success(CommandOutput(status: 0, stdout: "41\n"))]])
            #expect(try submit(dir, store, runner) == ("41", .submitted))
            #expect(try submit(dir, store, runner) == ("41", .recorded))
            #expect(runner.calls == ["sbatch"])
            #expect(try store.jobs(ofNode: Self.node).map(\.jobID) == ["41"])
        }
    }

    @Test("an intent without a job id (controller died during sbatch) is resolved by name, in squeue or the final records")
    func foundAfterCrash() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            try store.recordJobIntent(node: Self.node, attempt: 1, jobName: Self.name.description)
            let inQueue = ScriptedRunner(["squeue": [Self.listed("42")]])
            #expect(try submit(dir, store, inQueue) == ("42", .foundByName))
            #expect(inQueue.calls == ["squeue"])
        }
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            try store.recordJobIntent(node: Self.node, attempt: 1, jobName: Self.name.description)
            let log = dir.appendingPathComponent("jobcomp.log")
            try "JobId=43 UserId=root(0) Name=\(Self.name) JobState=COMPLETED NodeList=vm ExitCode=0:0 \n"
                .write(to: log, atomically: true, encoding: .utf8)
            let config = SlurmConfiguration(parsing: "JobCompType = jobcomp/filetxt\nJobCompLoc = \(log.path)\n")
            let finished = ScriptedRunner(["squeue": [Self.empty]])
            #expect(try submit(dir, store, finished, configuration: config) == ("43", .foundByName))
            #expect(finished.calls == ["squeue"])
        }
    }

    @Test("an intent Slurm never received is submitted")
    func neverReceived() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            try store.recordJobIntent(node: Self.node, attempt: 1, jobName: Self.name.description)
            let runner = ScriptedRunner(["squeue": [Self.empty], "sbatch": [.success(CommandOutput(status: 0, stdout: "44\n"))]])
            #expect(try submit(dir, store, runner) == ("44", .submitted))
            #expect(runner.calls == ["squeue", "sbatch"])
        }
    }

    @Test("sbatch timing out: the job is looked up by name; when Slurm has none, the error stands and a later call retries")
    func timeout() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            let landed = ScriptedRunner(["sbatch": [.failure(Self.timedOut)], "squeue": [Self.listed("45", "PENDING")]])
            #expect(try submit(dir, store, landed) == ("45", .foundByName))
        }
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            let lost = ScriptedRunner(["sbatch": [.failure(Self.timedOut), .success(CommandOutput(status: 0, stdout: "46\n"))],
                                       "squeue": [Self.empty]])
            #expect(throws: Self.timedOut) { try submit(dir, store, lost) }
            #expect(try store.jobs(ofNode: Self.node).map(\.jobID) == [nil])
            #expect(try submit(dir, store, lost) == ("46", .submitted))
            #expect(lost.calls == ["sbatch", "squeue", "squeue", "sbatch"])
        }
    }

    @Test("a refusal is recorded with Slurm's reason; the attempt may be submitted again without a lookup")
    func refused() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            let runner = ScriptedRunner(["sbatch": [
                .success(CommandOutput(status: 1, stdout: "", stderr: "sbatch: error: Batch job submission failed: Invalid partition name specified\n")),
                .success(CommandOutput(status: 0, stdout: "47\n")),
            ]])
            #expect(throws: SlurmError.submissionRefused(jobName: Self.name.description, reason: "Invalid partition name specified")) {
                try submit(dir, store, runner)
            }
            let row = try #require(store.jobs(ofNode: Self.node).first)
            #expect(row.state == "REFUSED")
            #expect(row.reason == "Invalid partition name specified")
            #expect(try submit(dir, store, runner) == ("47", .submitted))
            #expect(runner.calls == ["sbatch", "sbatch"])
        }
    }
}

/// The same promise against a real cluster (scripts/slurm-cluster.sh; skipped, saying why, when none answers).
enum SlurmClusterProbe {
    static let isUp: Bool = {
        let up = SlurmClient(timeout: 15).controllerAnswers()
        if !up { print("SlurmSubmissionClusterTests skipped: no Slurm controller answers (sudo scripts/slurm-cluster.sh start)") }
        return up
    }()
}

@Suite("Slurm submission against a real cluster", .enabled(if: SlurmClusterProbe.isUp, "needs a running Slurm cluster"), .slurmCluster)
struct SlurmSubmissionClusterTests {

    @Test("sbatch went through but the controller died before recording the id: the next one finds it, Slurm has one job")
    func noDoubleSubmission() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            let jobDir = URL(fileURLWithPath: "/tmp/lema-slurm-tests/submit-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: jobDir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: jobDir) }
            let name = JobName(run: "enginetests", node: jobDir.lastPathComponent, attempt: 1)
            let request = JobRequest(name: name, argv: ["sleep", "2"], directory: jobDir,
                                     environment: JobEnvironment.forJob(from: ProcessInfo.processInfo.environment))
            let client = SlurmClient()
            let node = Fx.fingerprint("d")
            try store.recordJobIntent(node: node, attempt: 1, jobName: name.description)
            let orphan = try client.submit(request)  // the dead controller's sbatch
            let found = try SlurmSubmission.submitOnce(request, node: node, store: store, client: client,
                                                       configuration: { try client.configuration() })
            #expect(found.jobID == orphan)
            #expect(found.source == .foundByName)
            #expect(try client.jobs(named: name).map(\.id) == [orphan])  // Slurm's own records: one job
            try client.cancel([orphan])
        }
    }
}
