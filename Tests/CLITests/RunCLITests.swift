import Engine
import Foundation
import LemaTestSupport
import LemaCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `lema run` end to end: the built binary on real specs in scratch directories. Side effects (lines appended to
/// log files by the commands) count executions independently of what lema reports.
@Suite(.serialized) struct RunCLITests {
    // MARK: Crash safety

    /// records.jsonl ──► data (command: copy) ──► work (map: one shell per record, 4 at a time)
    static let crashSpec = """
        name: crash
        stages:
          data:
            kind: command
            argv: [cp, records.jsonl, "{out}/records.jsonl"]
            outputs: {records: records.jsonl}
          work:
            kind: map
            input: data
            parallel: 4
            argv: [sh, -c, 'echo "$1" >> effects.log; printf "%s|%s" "$1" "$2" | cksum', sh, "{index}", "{item}"]
        """

    static func prepareCrashDirectory(_ dir: URL, records: Int) throws {
        try CLI.write(crashSpec, to: dir.appendingPathComponent("crash.yaml"))
        let lines = (0..<records).map { "{\"n\":\($0),\"text\":\"record \($0 * 7919 % 1000)\"}" }
        try CLI.write(lines.joined(separator: "\n") + "\n", to: dir.appendingPathComponent("records.jsonl"))
    }

    static func outputs(_ dir: URL) throws -> Data {
        let nodes = dir.appendingPathComponent("runs/crash/nodes")
        let work = try #require(try FileManager.default.contentsOfDirectory(atPath: nodes.path).first { $0.hasPrefix("work-") })
        return try Data(contentsOf: nodes.appendingPathComponent(work).appendingPathComponent("outputs.jsonl"))
    }

    @Test func mapSurvivesRepeatedSIGKILLWithByteIdenticalOutput() throws {
        let records = 2000, parallel = 4
        try CLI.withScratch { root in
            // Reference: one uninterrupted run.
            let reference = root.appendingPathComponent("reference")
            try Self.prepareCrashDirectory(reference, records: records)
            let clean = try CLI.run(["run", "crash.yaml", "--progress", "plain"], in: reference)
            #expect(clean.code == 0, "\(clean.stderr)")
            let expected = try Self.outputs(reference)
            #expect(String(decoding: expected, as: UTF8.self).split(separator: "\n").count == records)
            #expect(CLI.lines(reference.appendingPathComponent("effects.log")).count == records)

            // Killed with SIGKILL (whole process group) at random moments: once during start-up, then whenever
            // the side-effect log passes a random threshold. Ledger commits per item make the bound exact.
            let crashed = root.appendingPathComponent("crashed")
            try Self.prepareCrashDirectory(crashed, records: records)
            let effects = crashed.appendingPathComponent("effects.log")
            let env = ["LEMA_LEDGER_BATCH": "1"]
            var rng = SystemRandomNumberGenerator()
            var thresholds = (0..<5).map { _ in Int.random(in: 100..<(records - 100), using: &rng) }.sorted()
            thresholds.insert(0, at: 0)
            var kills = 0
            for threshold in thresholds {
                let process = try CLI.start(["run", "crash.yaml", "--progress", "plain"], in: crashed, env: env)
                if threshold == 0 {
                    usleep(UInt32.random(in: 0..<80_000, using: &rng))
                } else {
                    _ = CLI.waitUntil(process) { CLI.lines(effects).count >= threshold }
                }
                if process.poll() == nil {
                    process.killGroup()
                    kills += 1
                }
            }
            #expect(kills >= 5, "lema finished before the kills (only \(kills))")
            let final = try CLI.run(["run", "crash.yaml", "--progress", "plain"], in: crashed, env: env)
            #expect(final.code == 0, "\(final.stderr)")
            #expect(try Self.outputs(crashed) == expected)

            // Every record ran; repeats are bounded by the records in flight at each kill.
            usleep(200_000)  // children of killed runs (own process groups) may still be appending
            let executed = CLI.lines(effects)
            #expect(Set(executed).count == records)
            let repeats = executed.count - records
            #expect(repeats <= kills * parallel, "\(repeats) repeated records after \(kills) kills")

            // And a rerun is a no-op.
            let again = try CLI.run(["run", "crash.yaml", "--progress", "plain"], in: crashed, env: env)
            #expect(again.code == 0)
            #expect(again.stdout.contains("0 ran, 2 skipped"))
            #expect(CLI.lines(effects).count == executed.count)
        }
    }

    // MARK: Concurrency

    @Test func secondSimultaneousRunRefusesNamingTheOwner() throws {
        try CLI.withScratch { dir in
            try CLI.write("""
                name: busy
                stages:
                  wait:
                    kind: command
                    argv: [sh, -c, 'touch started; while [ ! -f release ]; do sleep 0.02; done; echo done']
                """, to: dir.appendingPathComponent("busy.yaml"))
            let first = try CLI.start(["run", "busy.yaml", "--progress", "plain"], in: dir)
            let started = CLI.waitUntil(first) { FileManager.default.fileExists(atPath: dir.appendingPathComponent("started").path) }
            #expect(started)
            let second = try CLI.run(["run", "busy.yaml"], in: dir)
            #expect(second.code == 3)
            #expect(second.stderr.contains("in use by pid \(first.pid)"), "\(second.stderr)")
            try CLI.write("", to: dir.appendingPathComponent("release"))
            #expect(first.wait() == 0, "\(first.stderr)")

            // Nothing corrupted: the store reads back, the node succeeded, and a rerun skips it.
            let store = try Store(path: dir.appendingPathComponent("runs/busy/state.sqlite"))
            let records = try store.nodeRecords()
            try store.close()
            #expect(records.values.map(\.status) == [.succeeded])
            let again = try CLI.run(["run", "busy.yaml"], in: dir)
            #expect(again.code == 0)
            #expect(again.stdout.contains("0 ran, 1 skipped"))
        }
    }

    // MARK: Determinism

    @Test func jobsOneAndTwoGiveByteIdenticalOutputs() throws {
        let spec = """
            name: det
            seed: 42
            params: {scale: 3}
            sweep:
              grid: {scale: [3, 5]}
            stages:
              numbers:
                kind: command
                argv: [sh, -c, 'seq 1 60 > "$1/numbers.txt"; echo seed=$2', sh, "{out}", "{seed}"]
                outputs: {numbers: numbers.txt}
              square:
                kind: map
                input: numbers
                threads: 2
                argv: [sh, -c, 'echo $(( $1 * $1 + $2 ))', sh, "{item}", "{index}"]
              scaled:
                kind: map
                input: square
                argv: [sh, -c, 'echo "$1" | cksum; echo x${params.scale}', sh, "{item}"]
              total:
                kind: command
                inputs: [scaled, square]
                argv: [sh, -c, 'cat "$1" "$2" | cksum > "$3/total.txt"', sh, "{input.scaled}", "{input.square}", "{out}"]
                outputs: {total: total.txt}
            """
        try CLI.withScratch { root in
            var trees: [[String: Data]] = []
            for jobs in [1, 2] {
                let dir = root.appendingPathComponent("jobs\(jobs)")
                try CLI.write(spec, to: dir.appendingPathComponent("det.yaml"))
                let result = try CLI.run(["run", "det.yaml", "--jobs", String(jobs), "--quiet"], in: dir)
                #expect(result.code == 0, "\(result.stderr)")
                trees.append(CLI.tree(dir.appendingPathComponent("runs/det")))
            }
            // numbers, square (shared by both variants), scaled ×2, total ×2.
            #expect(trees[0].keys.filter { $0.hasSuffix("outputs.jsonl") }.count == 3)
            #expect(trees[0].keys.filter { $0.hasSuffix("total.txt") }.count == 2)
            #expect(trees[0] == trees[1])
        }
    }

    // MARK: Failure handling

    @Test func retriesUntilTheCommandSucceeds() throws {
        try CLI.withScratch { dir in
            try CLI.write("""
                name: flaky
                stages:
                  flaky:
                    kind: command
                    retries: 2
                    argv: [sh, -c, 'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; [ $n -ge 3 ] || { echo "try $n failed" >&2; exit 1; }']
                """, to: dir.appendingPathComponent("flaky.yaml"))
            let result = try CLI.run(["run", "flaky.yaml", "--progress", "plain", "--retry-delay", "0.01"], in: dir)
            #expect(result.code == 0, "\(result.stderr)")
            #expect(CLI.read(dir.appendingPathComponent("count")) == "3\n")
            #expect(result.stderr.contains("attempt 1 of 3 failed"))
            #expect(result.stderr.contains("try 2 failed"))
        }
    }

    /// a ──► bad ──► child;  a ──► sibling
    @Test func failedNodeBlocksOnlyItsDescendants() throws {
        try CLI.withScratch { dir in
            try CLI.write("""
                name: partial
                stages:
                  a: {kind: command, argv: [sh, -c, 'echo a >> effects.log']}
                  bad: {kind: command, inputs: [a], argv: [sh, -c, 'echo oops >&2; exit 7']}
                  child: {kind: command, inputs: [bad], argv: [sh, -c, 'echo child >> effects.log']}
                  sibling: {kind: command, inputs: [a], argv: [sh, -c, 'echo sibling >> effects.log']}
                """, to: dir.appendingPathComponent("partial.yaml"))
            let result = try CLI.run(["run", "partial.yaml", "--quiet"], in: dir)
            #expect(result.code == 1)
            #expect(Set(CLI.lines(dir.appendingPathComponent("effects.log"))) == ["a", "sibling"])
            #expect(result.stdout.contains("partial: 2 ran, 0 skipped, 1 failed, 1 blocked"))
            #expect(result.stdout.contains("FAILED  bad: command `sh -c 'echo oops >&2; exit 7'` failed (exit code 7); last lines of stderr:\noops"), "\(result.stdout)")
            #expect(result.stdout.contains("blocked child: blocked by failed bad"))
        }
    }

    @Test func timeoutKillsTheCommandAndFailsTheNode() throws {
        try CLI.withScratch { dir in
            try CLI.write("""
                name: slow
                stages:
                  slow:
                    kind: command
                    timeout: 0.3
                    argv: [sh, -c, 'sleep 30 & echo $! > pid; wait']
                """, to: dir.appendingPathComponent("slow.yaml"))
            let result = try CLI.run(["run", "slow.yaml", "--quiet"], in: dir)
            #expect(result.code == 1)
            #expect(result.stdout.contains("FAILED  slow: timed out after 0.30s"), "\(result.stdout)")
            // The whole process group went, including the grandchild `sleep`.
            let pid = try #require(Int32(CLI.read(dir.appendingPathComponent("pid")).trimmingCharacters(in: .whitespacesAndNewlines)))
            usleep(100_000)
            #expect(!CLI.isRunning(pid), "the command's background child survived the timeout")
        }
    }

    // MARK: Interruption

    @Test func sigintStopsGracefullyAndARerunResumes() throws {
        try CLI.withScratch { dir in
            try CLI.write((0..<120).map { "item \($0)" }.joined(separator: "\n") + "\n", to: dir.appendingPathComponent("items.txt"))
            try CLI.write("""
                name: gentle
                stages:
                  items: {kind: command, argv: [cp, items.txt, "{out}/items.txt"], outputs: {items: items.txt}}
                  slow:
                    kind: map
                    input: items
                    parallel: 2
                    argv: [sh, -c, 'sleep 0.02; echo "$1" >> effects.log; echo "$1" | tr a-z A-Z', sh, "{item}"]
                """, to: dir.appendingPathComponent("gentle.yaml"))
            let effects = dir.appendingPathComponent("effects.log")
            let process = try CLI.start(["run", "gentle.yaml", "--progress", "plain"], in: dir)
            #expect(CLI.waitUntil(process) { CLI.lines(effects).count >= 20 })
            process.signal(SIGINT)
            #expect(process.wait() == 130, "\(process.stderr)")
            #expect(process.stdout.contains("interrupted"))

            let store = try Store(path: dir.appendingPathComponent("runs/gentle/state.sqlite"))
            let slow = try #require(try store.nodeRecords().values.first { $0.stage == "slow" })
            let kept = try store.ledgerCount(slow.id)
            try store.close()
            #expect(slow.status == .pending)
            #expect(slow.reason == "interrupted")
            #expect(kept >= 20 - 2, "finished records were lost (2 may have been in flight)")

            let resumed = try CLI.run(["run", "gentle.yaml", "--progress", "plain"], in: dir)
            #expect(resumed.code == 0, "\(resumed.stderr)")
            #expect(resumed.stderr.contains("resuming: \(kept) of 120 records already done"))
            let executed = CLI.lines(effects)
            #expect(Set(executed).count == 120)
            #expect(executed.count <= 120 + 2, "records recorded before the interrupt ran again")
        }
    }

    @Test func secondSigintExitsAtOnce() throws {
        try CLI.withScratch { dir in
            try CLI.write("a\nb\n", to: dir.appendingPathComponent("items.txt"))
            // Items that shrug off SIGTERM, so the graceful stop cannot finish by itself within the grace period.
            try CLI.write("""
                name: stubborn
                stages:
                  items: {kind: command, argv: [cp, items.txt, "{out}/items.txt"], outputs: {items: items.txt}}
                  stuck:
                    kind: map
                    input: items
                    argv: [sh, -c, 'trap "" TERM; echo "$$" >> pids; while true; do sleep 0.05; done']
                """, to: dir.appendingPathComponent("stubborn.yaml"))
            let process = try CLI.start(["run", "stubborn.yaml", "--progress", "plain"], in: dir)
            #expect(CLI.waitUntil(process) { !CLI.lines(dir.appendingPathComponent("pids")).isEmpty })
            process.signal(SIGINT)
            #expect(CLI.waitUntil(process) { process.stderr.contains("interrupted: stopping") })
            process.signal(SIGINT)
            #expect(process.wait() == 130)
            #expect(process.stderr.contains("second interrupt: exiting now"))
            #expect(!process.stdout.contains("stubborn:"), "no summary after a forced exit")
            usleep(100_000)
            for pid in CLI.lines(dir.appendingPathComponent("pids")).compactMap({ Int32($0) }) {
                #expect(!CLI.isRunning(pid), "item process \(pid) survived the forced exit")
            }
        }
    }

    // MARK: Sweeps

    /// gen ──► sample ──► train(ratio) ──► eval, over five ratios; each command logs its stage to effects.log.
    @Test func sweepRunsSharedUpstreamStagesOnce() throws {
        try CLI.withScratch { dir in
            let log = { (stage: String) in "[sh, -c, 'echo \(stage)$0 >> effects.log', \"\(stage == "train" || stage == "eval" ? "${params.ratio}" : "")\"]" }
            try CLI.write("""
                name: sweep
                params: {ratio: 0.1}
                sweep:
                  grid: {ratio: [0.1, 0.2, 0.3, 0.4, 0.5]}
                stages:
                  gen: {kind: command, argv: \(log("gen"))}
                  sample: {kind: command, inputs: [gen], argv: \(log("sample"))}
                  train: {kind: command, inputs: [sample], argv: \(log("train"))}
                  eval: {kind: command, inputs: [train], argv: \(log("eval"))}
                """, to: dir.appendingPathComponent("sweep.yaml"))
            let result = try CLI.run(["run", "sweep.yaml", "--quiet"], in: dir)
            #expect(result.code == 0, "\(result.stderr)")
            let effects = CLI.lines(dir.appendingPathComponent("effects.log"))
            #expect(effects.filter { $0 == "gen" }.count == 1)
            #expect(effects.filter { $0 == "sample" }.count == 1)
            #expect(Set(effects.filter { $0.hasPrefix("train") }) == ["train0.1", "train0.2", "train0.3", "train0.4", "train0.5"])
            #expect(effects.count == 12)
            let again = try CLI.run(["run", "sweep.yaml", "--quiet"], in: dir)
            #expect(again.stdout.contains("0 ran, 12 skipped"))
            #expect(CLI.lines(dir.appendingPathComponent("effects.log")).count == 12)
        }
    }
}
