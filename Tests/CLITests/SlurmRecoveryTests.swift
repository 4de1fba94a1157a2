import Engine
import Foundation
import LemaTestSupport
import Slurm
import Testing

/// The slurm executor when things go wrong, against the real one-node cluster (issue 15, tests 2, 3 and 6; skipped
/// with the reason printed when no controller answers).
@Suite(.serialized, .slurmCluster) struct SlurmRecoveryTests {
    static let isUp = SlurmProbe.clusterAnswers(for: "SlurmRecoveryTests")

    /// A pipeline of `count` independent command stages (`s0`, `s1`, …) that each sleep `seconds` and write one
    /// file, and `join`, which concatenates them. Each job asks for most of the node's memory, so they run one at
    /// a time and the rest wait PENDING (Resources). The name is unique per call: Slurm's records of earlier tests
    /// never count for this one.
    static func fanSpec(count: Int, seconds: Double, retries: Int = 0, memory: String = "20G") -> (name: String, text: String) {
        let name = "t" + UUID().uuidString.prefix(8).lowercased()
        var text = """
            name: \(name)
            seed: 5
            executor: {kind: slurm, poll_interval: 0.2s}
            stages:

            """
        for k in 0..<count {
            text += """
                  s\(k):
                    kind: command
                    argv: [sh, -c, "sleep \(seconds); echo s\(k) {seed} > {out}/s.txt"]
                    outputs: {s: s.txt}
                    retries: \(retries)
                    resources: {mem: \(memory), time: 5m}

                """
        }
        text += """
              join:
                kind: command
                inputs: [\((0..<count).map { "s\($0)" }.joined(separator: ", "))]
                argv: [sh, -c, "cat {inputs} > {out}/all.txt"]
                outputs: {all: all.txt}

            """
        return (name, text)
    }

    /// The files of a run other than the executor's own and the store, by path under the run directory.
    static func outputs(_ dir: URL, _ runs: String, _ name: String) -> [String: Data] {
        SlurmExecutorTests.outputs(dir.appendingPathComponent("\(runs)/\(name)"))
    }

    /// Issue 15, test 2: SIGKILL the controller while one job runs and others are pending; `lema run` again
    /// follows every one of them (Slurm's own records show one job per node), submits only what never ran, and
    /// the outputs equal a local run's.
    @Test(.enabled(if: isUp)) func controllerKilledWhileJobsRunReattachesWithoutResubmitting() throws {
        try CLI.withScratch { dir in
            let (name, text) = Self.fanSpec(count: 3, seconds: 2)
            try CLI.write(text, to: dir.appendingPathComponent("fan.yaml"))
            let local = try CLI.run(["run", "fan.yaml", "--runs-dir", "local", "--executor", "local", "-q"], in: dir)
            #expect(local.code == 0, "\(local.stderr)")

            let first = try CLI.start(["run", "fan.yaml", "--runs-dir", "runs", "-q"], in: dir)
            let prefix = "lema.\(name)."
            let mixed = try SlurmRecords.waitFor(prefix: prefix) { jobs in
                jobs.contains { if case .running = $0.state { true } else { false } }
                    && jobs.contains { if case .pending = $0.state { true } else { false } }
            }
            first.killGroup()
            #expect(mixed, "never saw one job running and another pending")
            // The jobs outlive their controller.
            let alive = try SlurmRecords.queue(prefix: prefix).values.filter(\.state.isAlive)
            #expect(alive.count == 3, "\(alive)")

            let second = try CLI.run(["run", "fan.yaml", "--runs-dir", "runs", "--progress", "plain"], in: dir)
            #expect(second.code == 0, "\(second.stdout)\n\(second.stderr)")
            #expect(second.stderr.components(separatedBy: "submitted by an earlier run").count - 1 == 3,
                    "\(second.stderr)")
            let submissions = try SlurmRecords.submissions(prefix: prefix)
            #expect(submissions.count == 4, "\(submissions)")  // s0, s1, s2 (attempt 1 each) and join
            for (job, ids) in submissions { #expect(ids.count == 1, "\(job) was submitted \(ids.count) times: \(ids)") }
            #expect(Self.outputs(dir, "runs", name) == Self.outputs(dir, "local", name))
            let joined = Self.outputs(dir, "runs", name).first { $0.key.hasSuffix("/all.txt") }?.value
            #expect(joined.map { String(decoding: $0, as: UTF8.self).split(separator: "\n").count } == 3)
            #expect(Self.outputs(dir, "local", name).keys.filter { $0.hasSuffix("/s.txt") || $0.hasSuffix("/all.txt") }
                .count == 4)
        }
    }

    /// Controller SIGTERM: this run's jobs are cancelled (scancel) and recorded as interrupted; the run exits 130
    /// and resumes later.
    @Test(.enabled(if: isUp)) func controllerSigtermCancelsItsJobs() throws {
        try CLI.withScratch { dir in
            let (name, text) = Self.fanSpec(count: 2, seconds: 30)
            try CLI.write(text, to: dir.appendingPathComponent("fan.yaml"))
            let prefix = "lema.\(name)."
            let run = try CLI.start(["run", "fan.yaml", "--runs-dir", "runs", "--progress", "plain"], in: dir)
            let started = try SlurmRecords.waitFor(prefix: prefix) { jobs in
                jobs.contains { if case .running = $0.state { true } else { false } }
            }
            #expect(started)
            run.signal(SIGTERM)
            #expect(run.wait() == 130, "\(run.stderr)")
            let left = try SlurmRecords.queue(prefix: prefix).values
            #expect(left.allSatisfy { !$0.state.isAlive }, "\(left)")
            #expect(run.stderr.contains("cancelling 2 job(s)"), "\(run.stderr)")
            let store = try Store(path: dir.appendingPathComponent("runs/\(name)/state.sqlite"))
            defer { try? store.close() }
            let jobs = try store.allJobs()
            #expect(jobs.count == 2)
            for job in jobs {
                #expect(job.state == "CANCELLED" && job.endedAt != nil, "\(job)")
                #expect(job.reason?.contains("interrupted") == true, "\(job)")
            }
        }
    }

    /// Issue 15, test 3: a job cancelled from outside is retried per `retries`, and `lema status` says why.
    @Test(.enabled(if: isUp)) func jobCancelledFromOutsideIsRetriedAndExplained() throws {
        try CLI.withScratch { dir in
            let (name, text) = Self.fanSpec(count: 1, seconds: 3, retries: 1, memory: "100M")
            try CLI.write(text, to: dir.appendingPathComponent("fan.yaml"))
            let prefix = "lema.\(name)."
            let run = try CLI.start(["run", "fan.yaml", "--runs-dir", "runs", "--progress", "plain",
                                     "--retry-delay", "0.01"], in: dir)
            var firstID = ""
            let running = try SlurmRecords.waitFor(prefix: prefix) { jobs in
                guard let job = jobs.first(where: { if case .running = $0.state { true } else { false } }) else { return false }
                firstID = job.id
                return true
            }
            #expect(running)
            try SlurmRecords.command("scancel", [firstID])
            // While the retry's job runs, status names it and what ended the first one.
            var status = ""
            let explained = CLI.waitUntil(run) {
                status = (try? CLI.run(["status", "fan.yaml", "--runs-dir", "runs"], in: dir).stdout) ?? ""
                return status.contains("(#2)") && status.contains("job \(firstID) ended CANCELLED")
            }
            #expect(explained, "\(status)")
            #expect(run.wait() == 0, "\(run.stderr)")
            #expect(run.stderr.contains("RETRY"), "\(run.stderr)")
            // Two attempts of s0 (one job each) and one of join.
            let submissions = try SlurmRecords.submissions(prefix: prefix)
            let attempts = submissions.keys.compactMap(JobName.init(parsing:)).map(\.attempt).sorted()
            #expect(attempts == [1, 1, 2], "\(submissions)")
            for (job, ids) in submissions { #expect(ids.count == 1, "\(job) was submitted \(ids.count) times") }
            let after = try CLI.run(["status", "fan.yaml", "--runs-dir", "runs"], in: dir).stdout
            #expect(after.contains("COMPLETED"), "\(after)")
        }
    }

    /// Issue 15, test 6: resources Slurm can never give are refused at submission, naming the stage and Slurm's
    /// reason; nothing else is submitted for the stage.
    @Test(.enabled(if: isUp), arguments: [
        ("{gpus: 99}", "Requested node configuration is not available"),
        ("{partition: nosuchpartition}", "invalid partition"),
    ])
    func impossibleResourcesAreRefusedNamingTheStage(resources: String, slurmSays: String) throws {
        try CLI.withScratch { dir in
            let spec = """
                name: refuse
                executor: {kind: slurm, poll_interval: 0.2s}
                stages:
                  greedy:
                    kind: command
                    argv: [sh, -c, "echo never > {out}/x.txt"]
                    outputs: {x: x.txt}
                    retries: 3
                    resources: \(resources)

                """
            try CLI.write(spec, to: dir.appendingPathComponent("refuse.yaml"))
            let run = try CLI.run(["run", "refuse.yaml", "--runs-dir", "runs", "-q"], in: dir)
            #expect(run.code == 1)
            let text = run.stdout + run.stderr
            #expect(text.contains("could not submit stage 'greedy' to Slurm"), "\(text)")
            #expect(text.lowercased().contains(slurmSays.lowercased()), "\(text)")
            #expect(!text.contains("RETRY"))
        }
    }

    /// Issue 15, test 6: without sbatch on PATH the run stops with a clear error before any node runs.
    @Test(.enabled(if: isUp)) func missingSbatchIsAClearErrorBeforeAnythingRuns() throws {
        try CLI.withScratch { dir in
            let (_, text) = Self.fanSpec(count: 1, seconds: 0)
            try CLI.write(text, to: dir.appendingPathComponent("fan.yaml"))
            let run = try CLI.run(["run", "fan.yaml", "--runs-dir", "runs"], in: dir, env: ["PATH": "/nonexistent"])
            #expect(run.code == 1)
            #expect(run.stderr.contains("'sbatch' not found"), "\(run.stderr)")
            #expect(run.stderr.contains("nothing was run"), "\(run.stderr)")
            let nodes = dir.appendingPathComponent("runs").path
            let made = (FileManager.default.enumerator(atPath: nodes)?.allObjects as? [String]) ?? []
            #expect(!made.contains { $0.contains("/nodes/") }, "\(made)")
        }
    }

    /// Item 7: a node that ran partly locally hands its finished items to its Slurm job (the seed journal): only
    /// the items the store lacks run in the job.
    @Test(.enabled(if: isUp)) func itemsFinishedLocallyAreNotRedoneInTheJob() throws {
        try CLI.withScratch { dir in
            let log = dir.appendingPathComponent("calls.log").path
            let flag = dir.appendingPathComponent("fail-3").path
            let spec = """
                name: seed\(UUID().uuidString.prefix(8).lowercased())
                executor: {kind: slurm, poll_interval: 0.2s}
                stages:
                  items:
                    kind: command
                    argv: [sh, -c, "seq 0 5 > {out}/items.txt"]
                    outputs: {items: items.txt}
                  work:
                    kind: map
                    input: items
                    parallel: 1
                    argv: [sh, -c, "echo {index} >> \(log); if [ {index} = 3 ] && [ -e \(flag) ]; then exit 1; fi; echo {item}"]

                """
            try CLI.write(spec, to: dir.appendingPathComponent("seed.yaml"))
            try CLI.write("", to: URL(fileURLWithPath: flag))
            let local = try CLI.run(["run", "seed.yaml", "--runs-dir", "runs", "--executor", "local", "-q"], in: dir)
            #expect(local.code == 1, "\(local.stdout)")
            let ranLocally = CLI.lines(URL(fileURLWithPath: log))
            #expect(ranLocally.contains("3") && ranLocally.count > 1, "\(ranLocally)")
            try FileManager.default.removeItem(atPath: flag)

            let slurm = try CLI.run(["run", "seed.yaml", "--runs-dir", "runs", "-q"], in: dir)
            #expect(slurm.code == 0, "\(slurm.stdout)\n\(slurm.stderr)")
            let inJob = Array(CLI.lines(URL(fileURLWithPath: log)).dropFirst(ranLocally.count))
            // Every item ran exactly once successfully: the job ran item 3 again and what the local run never got to.
            #expect(inJob.contains("3"))
            #expect(Set(ranLocally.filter { $0 != "3" }).isDisjoint(with: inJob), "local \(ranLocally), job \(inJob)")
            #expect(Set(ranLocally + inJob) == Set((0...5).map(String.init)))
        }
    }

    /// `--detach`: submits what can start and returns; `lema status` and `lema why` show the jobs (asking squeue,
    /// since no controller follows them); `lema run` again follows them and finishes the run, one job per node.
    @Test(.enabled(if: isUp)) func detachSubmitsAndALaterRunPicksTheJobsUp() throws {
        try CLI.withScratch { dir in
            let (name, text) = Self.fanSpec(count: 2, seconds: 3, memory: "100M")
            try CLI.write(text, to: dir.appendingPathComponent("fan.yaml"))
            let detached = try CLI.run(["run", "fan.yaml", "--runs-dir", "runs", "--detach"], in: dir)
            #expect(detached.code == 0, "\(detached.stdout)\n\(detached.stderr)")
            #expect(detached.stdout.contains("2 submitted (--detach)"), "\(detached.stdout)")
            #expect(detached.stderr.contains("is under /tmp"), "\(detached.stderr)")
            let prefix = "lema.\(name)."
            #expect(try SlurmRecords.queue(prefix: prefix).values.filter(\.state.isAlive).count == 2)

            let status = try CLI.run(["status", "fan.yaml", "--runs-dir", "runs"], in: dir).stdout
            #expect(status.contains("no controller follows this run's 2 job(s)"), "\(status)")
            #expect(status.contains("RUNNING on") || status.contains("PENDING ("), "\(status)")
            let why = try CLI.run(["why", "fan.yaml", "s0", "--runs-dir", "runs"], in: dir).stdout
            #expect(why.contains("waits for its Slurm job"), "\(why)")

            // Detached again once both jobs have ended: they are imported and join is submitted, detached in turn.
            #expect(try SlurmRecords.waitFor(prefix: prefix, timeout: 30) { jobs in jobs.allSatisfy { !$0.state.isAlive } })
            let again = try CLI.run(["run", "fan.yaml", "--runs-dir", "runs", "--detach"], in: dir)
            #expect(again.stdout.contains("2 ran") && again.stdout.contains("1 submitted (--detach)"), "\(again.stdout)")
            let follow = try CLI.run(["run", "fan.yaml", "--runs-dir", "runs", "--progress", "plain"], in: dir)
            #expect(follow.code == 0, "\(follow.stdout)\n\(follow.stderr)")
            #expect(follow.stdout.contains("1 ran, 2 skipped"), "\(follow.stdout)")
            let submissions = try SlurmRecords.submissions(prefix: prefix)
            #expect(submissions.count == 3 && submissions.values.allSatisfy { $0.count == 1 }, "\(submissions)")
        }
    }

    /// Running locally a node whose Slurm job may still run is said to risk two writers, with the way out.
    @Test(.enabled(if: isUp)) func runningLocallyBesideALiveJobIsWarned() throws {
        try CLI.withScratch { dir in
            let (name, text) = Self.fanSpec(count: 1, seconds: 2, memory: "100M")
            try CLI.write(text, to: dir.appendingPathComponent("fan.yaml"))
            let detached = try CLI.run(["run", "fan.yaml", "--runs-dir", "runs", "--detach", "-q"], in: dir)
            #expect(detached.code == 0, "\(detached.stderr)")
            let local = try CLI.run(["run", "fan.yaml", "--runs-dir", "runs", "--executor", "local", "-q"], in: dir)
            #expect(local.code == 0, "\(local.stderr)")
            #expect(local.stderr.contains("warning: stage 's0' runs locally, but its Slurm job"), "\(local.stderr)")
            #expect(!local.stderr.contains("stage 'join' runs locally"), "\(local.stderr)")
            let ids = try SlurmRecords.queue(prefix: "lema.\(name).").keys
            try SlurmRecords.command("scancel", Array(ids))
        }
    }
}
