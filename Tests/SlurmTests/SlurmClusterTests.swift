import Foundation
import LemaTestSupport
import Synchronization
import Testing
@testable import Slurm

/// Whether a Slurm cluster answers here (see scripts/slurm-cluster.sh, which `make test` runs first as root).
enum LiveCluster {
    /// Evaluated once (the reason is printed once, however many tests are skipped).
    static let isUp = SlurmProbe.clusterAnswers(for: "SlurmClusterTests")

    /// A fresh job directory (the run directory must be visible to the compute node: on this one-node cluster
    /// any local path is).
    static func directory(_ label: String) throws -> URL {
        let dir = URL(fileURLWithPath: "/tmp/lema-slurm-tests/\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func request(_ label: String, _ script: String, resources: JobResources = JobResources(),
                        warning: WarningSignal? = nil) throws -> JobRequest {
        let dir = try directory(label)
        return JobRequest(name: JobName(run: "slurmtests", node: dir.lastPathComponent, attempt: 1),
                          argv: ["/bin/sh", "-c", script], directory: dir, resources: resources,
                          requeue: warning != nil, warning: warning,
                          environment: JobEnvironment.forJob(from: ProcessInfo.processInfo.environment))
    }

    /// Polls until every job has left the queue's live states (bounded), one squeue call per poll.
    static func waitUntilDone(_ client: SlurmClient, _ ids: [String], within seconds: Double) throws -> [String: JobSnapshot] {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let states = try client.snapshots(of: ids)
            if ids.allSatisfy({ states[$0].map { !$0.state.isAlive } ?? false }) { return states }
            if Date() > deadline {
                Issue.record("jobs \(ids) still alive after \(seconds) s: \(states.values.map(\.state.message))")
                return states
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }
}

/// Counts the commands a client runs, passing them to real processes.
final class CountingRunner: CommandRunner {
    let real = ProcessCommandRunner()
    private let counts = Mutex<[String: Int]>([:])

    func count(_ tool: String) -> Int { counts.withLock { $0[tool] ?? 0 } }

    func run(_ tool: String, _ arguments: [String], environment: [String: String]?, input: String?,
             timeout: Double) throws -> CommandOutput {
        counts.withLock { $0[tool, default: 0] += 1 }
        return try real.run(tool, arguments, environment: environment, input: input, timeout: timeout)
    }
}

@Suite("Slurm client against a real cluster", .enabled(if: LiveCluster.isUp, "needs a running Slurm cluster"), .slurmCluster)
struct SlurmClusterTests {
    let client = SlurmClient()

    @Test("a job runs, writes its exit marker and output; a GPU request sets CUDA_VISIBLE_DEVICES")
    func completes() throws {
        let job = try LiveCluster.request("ok", "echo out; echo err >&2; echo gpu=$CUDA_VISIBLE_DEVICES",
                                          resources: JobResources(cpus: 1, memoryMiB: 256, gpus: 1, timeLimit: 300))
        defer { try? FileManager.default.removeItem(at: job.directory) }
        let id = try client.submit(job)
        let states = try LiveCluster.waitUntilDone(client, [id], within: 60)
        #expect(states[id]?.state == .completed)
        #expect(ExitMarker.read(at: job.markerURL)?.exitCode == 0)
        let out = try String(contentsOf: job.stdoutURL, encoding: .utf8)
        #expect(out == "out\ngpu=0\n")
        #expect(try String(contentsOf: job.stderrURL, encoding: .utf8) == "err\n")
    }

    @Test("a failing job: its marker has the exit code; squeue and the final record say FAILED")
    func fails() throws {
        let job = try LiveCluster.request("fail", "exit 3")
        defer { try? FileManager.default.removeItem(at: job.directory) }
        let id = try client.submit(job)
        let states = try LiveCluster.waitUntilDone(client, [id], within: 60)
        #expect(states[id]?.state == .failed(exitCode: nil, signal: nil, reason: "NonZeroExitCode"))
        #expect(ExitMarker.read(at: job.markerURL)?.exitCode == 3)
        let final = try client.finalRecords(of: [id], configuration: client.configuration())
        #expect(final[id]?.state == .failed(exitCode: 3, signal: nil, reason: ""))
    }

    @Test("cancel: the job ends CANCELLED without a marker")
    func cancel() throws {
        let job = try LiveCluster.request("cancel", "sleep 300")
        defer { try? FileManager.default.removeItem(at: job.directory) }
        let id = try client.submit(job)
        try client.cancel([id])
        let states = try LiveCluster.waitUntilDone(client, [id], within: 60)
        #expect(states[id]?.state == .cancelled(by: nil))
        #expect(ExitMarker.read(at: job.markerURL) == nil)
        try client.cancel([id])  // cancelling an ended job is not an error
    }

    @Test("a job over its time limit ends TIMEOUT without a marker")
    func timeout() throws {
        // Slurm counts limits in whole minutes and checks them about every 30 s: this takes a minute or so.
        let job = try LiveCluster.request("timeout", "sleep 600", resources: JobResources(timeLimit: 60))
        defer { try? FileManager.default.removeItem(at: job.directory) }
        let id = try client.submit(job)
        let states = try LiveCluster.waitUntilDone(client, [id], within: 180)
        #expect(states[id]?.state == .timeout)
        #expect(ExitMarker.read(at: job.markerURL) == nil)
    }

    @Test("the warning signal reaches the payload before the time limit, which can then end cleanly")
    func warning() throws {
        let job = try LiveCluster.request("warn", "trap 'echo warned; exit 0' USR1; while :; do sleep 1; done",
                                          resources: JobResources(timeLimit: 60), warning: WarningSignal(secondsBefore: 50))
        defer { try? FileManager.default.removeItem(at: job.directory) }
        let id = try client.submit(job)
        let states = try LiveCluster.waitUntilDone(client, [id], within: 180)
        #expect(states[id]?.state == .completed)
        #expect(ExitMarker.read(at: job.markerURL)?.exitCode == 0)
        #expect(try String(contentsOf: job.stdoutURL, encoding: .utf8) == "warned\n")
    }

    @Test("impossible resources and unknown partitions are refused with Slurm's reason", arguments: [
        (JobResources(gpus: 99), "Requested node configuration is not available"),
        (JobResources(partition: "nope"), "Invalid partition name specified"),
    ])
    func refused(resources: JobResources, reason: String) throws {
        let job = try LiveCluster.request("refused", "true", resources: resources)
        defer { try? FileManager.default.removeItem(at: job.directory) }
        let error = #expect(throws: SlurmError.self) { try client.submit(job) }
        guard case .submissionRefused(let name, let text) = error else {
            Issue.record("expected a refusal, got \(String(describing: error))")
            return
        }
        #expect(name == job.name.description)
        #expect(text.contains(reason))
    }

    @Test("the tracker: success, failure, cancel and a job Slurm never knew, in one poll each")
    func tracker() throws {
        let ok = try LiveCluster.request("track-ok", "true")
        let bad = try LiveCluster.request("track-bad", "exit 5")
        let cancelled = try LiveCluster.request("track-cancel", "sleep 300")
        let ghost = try LiveCluster.directory("track-ghost")
        defer { for dir in [ok.directory, bad.directory, cancelled.directory, ghost] { try? FileManager.default.removeItem(at: dir) } }
        var jobs = try [ok, bad, cancelled].map { TrackedJob(id: try client.submit($0), name: $0.name, marker: $0.markerURL) }
        try client.cancel([jobs[2].id])
        jobs.append(TrackedJob(id: "987654321", name: JobName(run: "slurmtests", node: "ghost", attempt: 1),
                               marker: ghost.appendingPathComponent("job.1.exit.json")))
        var tracker = JobTracker(client: client)
        var outcomes: [String: JobOutcome] = [:]
        let deadline = Date().addingTimeInterval(60)
        repeat {
            outcomes = try tracker.poll(jobs)
            if !outcomes.values.contains(where: { if case .alive = $0 { true } else { false } }) { break }
            Thread.sleep(forTimeInterval: 0.2)
        } while Date() < deadline
        #expect(outcomes[jobs[0].id].map { if case .succeeded = $0 { true } else { false } } == true)
        #expect(outcomes[jobs[1].id].map { if case .failed(let m) = $0 { m.exitCode == 5 } else { false } } == true)
        #expect(outcomes[jobs[2].id] == .ended(.cancelled(by: nil)))
        #expect(outcomes["987654321"] == .lost)
    }

    @Test("one squeue call per poll follows many jobs; a job is found again by its name")
    func manyJobsOnePoll() throws {
        let counting = CountingRunner()
        let client = SlurmClient(runner: counting)
        var jobs: [(JobRequest, String)] = []
        for i in 0..<6 {
            let job = try LiveCluster.request("many", "echo \(i)")
            jobs.append((job, try client.submit(job)))
        }
        let found = try client.jobs(named: jobs[0].0.name)
        #expect(found.map(\.id) == [jobs[0].1])
        defer { for (job, _) in jobs { try? FileManager.default.removeItem(at: job.directory) } }
        let squeueBefore = counting.count("squeue")
        var polls = 0
        let ids = jobs.map(\.1)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            polls += 1
            let states = try client.snapshots(of: ids)
            if ids.allSatisfy({ states[$0]?.state == .completed }) { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(counting.count("squeue") - squeueBefore == polls)
        for (i, (job, _)) in jobs.enumerated() {
            #expect(ExitMarker.read(at: job.markerURL)?.exitCode == 0)
            #expect(try String(contentsOf: job.stdoutURL, encoding: .utf8) == "\(i)\n")
        }
    }
}
