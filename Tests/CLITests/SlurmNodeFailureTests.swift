import Engine
import Foundation
import LemaTestSupport
import Slurm
import Testing

/// Issue 15, test 5: the node fails (set down) while a job runs: the job is reported NODE_FAIL, its node is
/// retried, the retry waits until the node is back, and the run's results are the local run's. The test has the
/// cluster alone (taking the node down kills every job on it). Skipped, with the reason printed, when no
/// controller answers.
@Suite(.serialized, .slurmClusterAlone) struct SlurmNodeFailureTests {
    static let isUp = SlurmProbe.clusterAnswers(for: "SlurmNodeFailureTests")

    @Test(.enabled(if: isUp)) func nodeFailureIsReportedAndRetriedWhenTheNodeReturns() throws {
        try CLI.withScratch { dir in
            let (name, text) = SlurmRecoveryTests.fanSpec(count: 1, seconds: 4, retries: 1, memory: "100M")
            try CLI.write(text, to: dir.appendingPathComponent("fan.yaml"))
            let local = try CLI.run(["run", "fan.yaml", "--runs-dir", "local", "--executor", "local", "-q"], in: dir)
            #expect(local.code == 0, "\(local.stderr)")
            let host = try SlurmRecords.command("sinfo", ["--noheader", "--Node", "--format=%N"]).stdout
                .split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            #expect(!host.isEmpty)
            let run = try CLI.start(["run", "fan.yaml", "--runs-dir", "runs", "--progress", "plain",
                                     "--retry-delay", "0.01"], in: dir)
            defer {
                try? SlurmRecords.command("scontrol", ["update", "nodename=\(host)", "state=resume"])
                if run.poll() == nil { run.killGroup() }
            }
            let prefix = "lema.\(name)."
            let running = try SlurmRecords.waitFor(prefix: prefix) { jobs in
                jobs.contains { if case .running = $0.state { true } else { false } }
            }
            #expect(running)
            try SlurmRecords.command("scontrol", ["update", "nodename=\(host)", "state=down", "reason=lema-test"])
            // The retry is submitted while the node is down, and waits for it.
            let retryWaits = try SlurmRecords.waitFor(prefix: prefix, timeout: 30) { jobs in
                jobs.contains { $0.name.hasSuffix(".2") && $0.state.isAlive }
            }
            #expect(retryWaits, "\(run.stderr)")
            #expect(run.poll() == nil, "the run ended while the node was down: \(run.stderr)")
            try SlurmRecords.command("scontrol", ["update", "nodename=\(host)", "state=resume"])
            #expect(run.wait() == 0, "\(run.stdout)\n\(run.stderr)")
            #expect(run.stderr.contains("NODE_FAIL: the node"), "\(run.stderr)")

            let store = try Store(path: dir.appendingPathComponent("runs/\(name)/state.sqlite"))
            defer { try? store.close() }
            let states = try store.allJobs().map(\.state)
            #expect(states.contains("NODE_FAIL"), "\(states)")
            #expect(SlurmRecoveryTests.outputs(dir, "runs", name) == SlurmRecoveryTests.outputs(dir, "local", name))
        }
    }
}
