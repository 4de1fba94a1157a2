import Engine
import Foundation
import LemaTestSupport
import Slurm
import Testing

/// Time limits on the real one-node cluster (issue 15, test 4): a job past its `time` is reported TIMEOUT and
/// retried; a train job warned before its limit saves a checkpoint, is requeued under the same job id and continues
/// from the checkpoint to the very bytes a local run writes. Skipped, with the reason printed, when no controller
/// answers. (Slurm enforces limits in whole minutes, checked every 30 s: this test takes one to one and a half
/// minutes, run beside the other suites.)
@Suite(.serialized, .slurmCluster) struct SlurmTimeLimitTests {
    static let isUp = SlurmProbe.clusterAnswers(for: "SlurmTimeLimitTests")

    static func spec(name: String) -> String {
        """
        name: \(name)
        seed: 7
        executor: {kind: slurm, poll_interval: 0.3s}
        stages:
          # Its first attempt outlives the one-minute limit; the retry is quick.
          slow:
            kind: command
            argv: [sh, -c, "if [ ! -e {out}/tried ]; then touch {out}/tried; sleep 300; fi; echo ok > {out}/ok.txt"]
            outputs: {ok: ok.txt}
            retries: 1
            resources: {time: 1m, mem: 100M}
          problems:
            kind: dataset
            count: 120
            max_steps: 2
            train: 0.8
            dev: 0.1
            test: 0.1
          base:
            kind: train
            data: [problems.train]
            templates: compact
            layers: 1
            d_model: 32
            heads: 2
            context: 256
            steps: 1200
            batch_size: 8
            checkpoint_every: 400
            threads: 1
            resources: {time: 10m, mem: 1G}

        """
    }

    /// The outputs of the run's nodes, without the executor's files and the train's working checkpoints (a
    /// warned job saves one at the step it stopped; a local run never stops there).
    static func results(_ runDirectory: URL) -> [String: Data] {
        SlurmExecutorTests.outputs(runDirectory).filter { !$0.key.contains("/checkpoints/") && !$0.key.contains("/tried") }
    }

    @Test(.enabled(if: isUp)) func timeoutIsRetriedAndAWarnedTrainJobContinuesFromItsCheckpoint() throws {
        try CLI.withScratch { dir in
            let name = "tl" + UUID().uuidString.prefix(8).lowercased()
            try CLI.write(Self.spec(name: name), to: dir.appendingPathComponent("tl.yaml"))
            let local = try CLI.run(["run", "tl.yaml", "--runs-dir", "local", "--executor", "local", "-q",
                                     "--only", "base"], in: dir)
            #expect(local.code == 0, "\(local.stderr)")

            let run = try CLI.start(["run", "tl.yaml", "--runs-dir", "runs", "--progress", "plain",
                                     "--retry-delay", "0.01"], in: dir)
            defer { if run.poll() == nil { run.killGroup() } }
            // The train job, once it has trained a while: Slurm's warning (sent here by hand, as Slurm sends it
            // before the limit: USR1 to the batch shell).
            let nodes = dir.appendingPathComponent("runs/\(name)/nodes")
            var trainJob = ""
            let training = CLI.waitUntil(run) {
                guard let base = try? FileManager.default.contentsOfDirectory(atPath: nodes.path)
                    .first(where: { $0.hasPrefix("base-") }) else { return false }
                let journal = CLI.read(nodes.appendingPathComponent("\(base)/journal.1.jsonl"))
                guard journal.components(separatedBy: "\"t\":\"item\"").count > 50 else { return false }
                let fp12 = base.dropFirst("base-".count)
                trainJob = (try? SlurmRecords.queue(prefix: "lema.\(name).\(fp12)"))?.keys.first ?? ""
                return !trainJob.isEmpty
            }
            #expect(training, "\(run.stderr)")
            try SlurmRecords.command("scancel", ["--batch", "--signal=USR1", trainJob])
            #expect(run.wait() == 0, "\(run.stdout)\n\(run.stderr)")

            // The warned job went back to the queue and finished under the same id, from its checkpoint.
            let log = run.stderr
            // After running, the job was seen back in the queue. Which reason squeue gives depends on when the poll
            // lands (REQUEUED, the hold's BeginTime, or None once the controller has lifted it), so any will do.
            let states = log.split(separator: "\n").compactMap { line -> Substring? in
                guard let range = line.range(of: "job \(trainJob): ") else { return nil }
                return line[range.upperBound...]
            }
            let firstRun = states.firstIndex { $0.hasPrefix("RUNNING") }
            #expect(firstRun.map { run in states[(run + 1)...].contains { $0.hasPrefix("PENDING") || $0.hasPrefix("REQUEUED") } } == true,
                    "\(log)")
            let lines = log.split(separator: "\n")
            #expect(!lines.contains { $0.contains("RETRY") && $0.contains(" base ") }, "\(log)")
            let store = try Store(path: dir.appendingPathComponent("runs/\(name)/state.sqlite"))
            defer { try? store.close() }
            let jobs = try store.allJobs()
            let trainRows = jobs.filter { $0.jobID == trainJob }
            #expect(trainRows.count == 1 && trainRows.first?.state == "COMPLETED", "\(jobs)")
            let events = try store.events(node: nil, limit: 100_000).map(\.message)
            #expect(events.contains { $0.hasPrefix("resumed from checkpoint at step") }, "\(events)")
            // Bit-identical to the local run's training.
            let slurm = Self.results(dir.appendingPathComponent("runs/\(name)"))
            let reference = Self.results(dir.appendingPathComponent("local/\(name)"))
            #expect(!reference.isEmpty)
            for (path, data) in reference.sorted(by: { $0.key < $1.key }) {
                #expect(slurm[path] == data, "\(path) differs from the local run")
            }

            // The slow stage: TIMEOUT, then retried to success.
            #expect(log.contains("TIMEOUT: the job ran past its time limit"), "\(log)")
            #expect(lines.contains { $0.contains("RETRY") && $0.contains(" slow ") }, "\(log)")
            #expect(jobs.filter { $0.state == "TIMEOUT" }.count == 1, "\(jobs)")
            #expect(slurm.keys.contains { $0.hasSuffix("/ok.txt") })
        }
    }
}
