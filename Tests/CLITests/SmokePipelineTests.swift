import Engine
import Foundation
import LemaTestSupport
import LemaCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// pipelines/smoke.yaml — the default experiment's graph at toy size — run end to end by the built binary.
@Suite(.serialized) struct SmokePipelineTests {
    static let smokeSpec = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../pipelines/smoke.yaml").standardizedFileURL.path

    static func int(_ s: [String: [String: JSONValue]], _ stage: String, _ key: String) -> Int {
        s[stage]?[key]?.intValue ?? -1
    }

    /// The files a reader of the experiment looks at: the report and every stage's artifacts (not logs).
    static func results(_ dir: URL) -> [String: Data] {
        CLI.tree(dir.appendingPathComponent("runs/smoke/nodes")).filter { path, _ in
            !path.hasSuffix(".log") && !path.contains("/checkpoints/")
        }
    }

    @Test func runsEndToEndWithConsistentCounts() throws {
        try CLI.withScratch { dir in
            let result = try CLI.run(["run", Self.smokeSpec, "--runs-dir", "runs", "--progress", "plain"], in: dir)
            #expect(result.code == 0, "\(result.stderr)")
            let s = try RunState.summaries(dir, run: "smoke")
            let train = Self.int(s, "problems", "train"), test = Self.int(s, "problems", "test")
            #expect(train > 0 && test > 0)
            // sample: k = 2 paths per training question; every path is right or wrong.
            #expect(Self.int(s, "sample", "sampled") == 2 * train)
            #expect(Self.int(s, "sample", "correct") + Self.int(s, "sample", "wrong") == 2 * train)
            // filter keeps wrong paths only, at most 2 per question.
            let kept = Self.int(s, "mistakes", "kept")
            #expect(kept <= Self.int(s, "sample", "wrong") && kept <= 2 * train)
            #expect(kept + Self.int(s, "mistakes", "dropped_correct") + Self.int(s, "mistakes", "dropped_unparseable")
                    + Self.int(s, "mistakes", "dropped_duplicate") + Self.int(s, "mistakes", "capped") == 2 * train)
            // correct sees every mistake; each is kept or rejected for a stated reason (`unparseable` counts the
            // mistakes without step lines among them, which the oracle still corrects from step 1).
            #expect(Self.int(s, "correct", "mistakes") == kept)
            let corrected = Self.int(s, "correct", "kept")
            #expect(corrected + Self.int(s, "correct", "rejected") + Self.int(s, "correct", "not_a_mistake") == kept)
            #expect((0...kept).contains(Self.int(s, "correct", "unparseable")))
            // dedupe removes what it reports.
            #expect(Self.int(s, "dedupe", "input") == corrected)
            #expect(Self.int(s, "dedupe", "output") == corrected - Self.int(s, "dedupe", "exact_removed")
                    - Self.int(s, "dedupe", "near_removed"))
            // mix: all CoT examples plus ratio (1.0) × CoT corrections, capped by what dedupe kept.
            #expect(Self.int(s, "mix", "cot") == train)
            #expect(Self.int(s, "mix", "correction") == min(train, Self.int(s, "dedupe", "output")))
            #expect(Self.int(s, "mix", "total") == Self.int(s, "mix", "cot") + Self.int(s, "mix", "correction"))
            // evaluate answers every test question; the report shows its number.
            #expect(Self.int(s, "evaluate", "n") == test)
            let accuracy = try #require(s["evaluate"]?["accuracy"]?.doubleValue)
            let nodes = dir.appendingPathComponent("runs/smoke/nodes")
            let reportDir = try #require(try FileManager.default.contentsOfDirectory(atPath: nodes.path)
                .first { $0.hasPrefix("report-") })
            let report = CLI.read(nodes.appendingPathComponent(reportDir).appendingPathComponent("report.md"))
            #expect(report.contains(String(format: "%.1f%%", accuracy * 100)), "\(report)")
            #expect(report.contains("| \(test) |"))
            // `lema run` published the report to runs/<name>/ and printed its table.
            #expect(result.stdout.contains("report: "), "\(result.stdout)")
            #expect(CLI.read(dir.appendingPathComponent("runs/smoke/report.md")) == report)
            for file in ["index.html", "accuracy.svg", "loss.svg"] {
                #expect(FileManager.default.fileExists(atPath: nodes.appendingPathComponent(reportDir)
                    .appendingPathComponent(file).path), "missing \(file)")
            }
        }
    }

    /// SIGKILL while each model-facing stage kind runs, then run again: the same bytes as an uninterrupted run.
    @Test func killedDuringEachStageKindResumesToIdenticalResults() throws {
        let reference = try CLI.withScratch { dir -> [String: Data] in
            let result = try CLI.run(["run", Self.smokeSpec, "--runs-dir", "runs", "--progress", "quiet"], in: dir)
            #expect(result.code == 0, "\(result.stderr)")
            return Self.results(dir)
        }
        #expect(!reference.isEmpty)
        try CLI.withScratch { dir in
            var hit: [String] = []
            for stage in ["base", "sample", "correct", "train_lema", "evaluate"] {
                let process = try CLI.start(["run", Self.smokeSpec, "--runs-dir", "runs", "--progress", "quiet"], in: dir)
                let running = CLI.waitUntil(process) {
                    let store = dir.appendingPathComponent("runs/smoke/state.sqlite")
                    guard FileManager.default.fileExists(atPath: store.path),
                          let s = try? Store(path: store) else { return false }
                    defer { try? s.close() }
                    return (try? s.nodeRecords().values.contains { $0.stage == stage && $0.status == .running }) ?? false
                }
                if running {
                    usleep(UInt32.random(in: 0...40_000))
                    process.killGroup()
                    if process.wait() != 0 { hit.append(stage) }
                } else {
                    _ = process.wait()
                }
            }
            let final = try CLI.run(["run", Self.smokeSpec, "--runs-dir", "runs", "--progress", "quiet"], in: dir)
            #expect(final.code == 0, "\(final.stderr)")
            // The slow stages are always caught running; the sub-second ones usually are.
            #expect(hit.contains("base") && hit.contains("train_lema"), "killed during: \(hit)")
            #expect(hit.count >= 3, "killed during: \(hit)")
            let resumed = Self.results(dir)
            #expect(Set(resumed.keys) == Set(reference.keys))
            for (path, bytes) in reference where resumed[path] != bytes {
                Issue.record("\(path) differs after kills during \(hit)")
            }
        }
    }
}

/// pipelines/ratio-sweep.yaml shrunk with `--set` (one seed): ten variants share one dataset, base model, sampling,
/// filtering, correction and dedupe — each executed once, counted from the store's attempts.
@Suite(.serialized) struct RatioSweepTests {
    static let spec = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../pipelines/ratio-sweep.yaml").standardizedFileURL.path

    static let shrink = [
        "replicates=1", "stages.problems.count=150", "stages.base.steps=3", "stages.base.d_model=32", "stages.base.context=256",
        "stages.sample.k=1", "stages.sample.limit=20", "stages.finetune.epochs=0.02",
        "stages.finetune.checkpoint_every=1", "stages.evaluate.limit=4",
    ].flatMap { ["--set", $0] }

    @Test func sharedStagesRunOnceForAllVariants() throws {
        try CLI.withScratch { dir in
            let result = try CLI.run(["run", Self.spec, "--runs-dir", "runs", "--progress", "quiet"] + Self.shrink, in: dir)
            #expect(result.code == 0, "\(result.stderr)")
            let store = try Store(path: dir.appendingPathComponent("runs/ratio-sweep/state.sqlite"))
            defer { try? store.close() }
            let records = Array(try store.nodeRecords().values)
            for stage in ["problems", "base", "sample", "mistakes", "correct", "dedupe"] {
                let nodes = records.filter { $0.stage == stage }
                #expect(nodes.count == 1, "\(stage): \(nodes.count) nodes")
                #expect(nodes.map(\.attempts) == [1], "\(stage) attempts: \(nodes.map(\.attempts))")
            }
            for stage in ["mix", "finetune", "evaluate"] {
                let nodes = records.filter { $0.stage == stage }
                #expect(nodes.count == 10, "\(stage): \(nodes.count) nodes")
                #expect(nodes.allSatisfy { $0.attempts == 1 && $0.status == .succeeded })
            }
            let reports = records.filter { $0.stage == "report" }
            #expect(reports.count == 1 && reports.first?.status == .succeeded)
            // Running again executes nothing.
            let again = try CLI.run(["run", Self.spec, "--runs-dir", "runs", "--progress", "quiet"] + Self.shrink, in: dir)
            #expect(again.code == 0)
            #expect(again.stdout.contains("0 ran"), "\(again.stdout)")
        }
    }
}
