import Engine
import Foundation
import LemaCore
import LemaTestSupport
import Testing

/// `replicates:` end to end on the smoke pipeline (shrunk): the dataset runs once, training and sampling once per
/// seed, and the report aggregates the seeds it was handed through the engine's `_variants`.
@Suite(.serialized) struct ReplicatesCLITests {
    static let smokeSpec = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../pipelines/smoke.yaml").standardizedFileURL.path

    @Test func twoSeedsShareTheDatasetAndTheReportAggregatesThem() throws {
        try CLI.withScratch { dir in
            let args = ["run", Self.smokeSpec, "--runs-dir", "runs", "--progress", "quiet"]
                + ["replicates=2", "stages.base.steps=6", "stages.base.checkpoint_every=6", "stages.train_lema.steps=4",
                   "stages.train_lema.checkpoint_every=4", "stages.evaluate.limit=6", "stages.sample.limit=6",
                   "stages.report.baseline=evaluate"].flatMap { ["--set", $0] }
            let result = try CLI.run(args, in: dir)
            #expect(result.code == 0, "\(result.stderr)")
            let store = try RunState.store(dir, run: "smoke")
            defer { try? store.close() }
            let records = Array(try store.nodeRecords().values)
            func count(_ stage: String) -> Int { records.filter { $0.stage == stage && $0.status == .succeeded }.count }
            #expect(count("problems") == 1 && count("report") == 1)
            #expect(count("base") == 2 && count("sample") == 2 && count("train_lema") == 2 && count("evaluate") == 2)
            let results = try JSONValue.parse(Data(contentsOf: dir.appendingPathComponent("runs/smoke/results.json")))
            let arm = try #require(results["seeds"]?["arms"]?.arrayValue?.first)
            #expect(arm["label"]?.stringValue == "evaluate")
            #expect(arm["seeds"] == .array([.int(7), .int(8)]))
            #expect(arm["accuracies"]?.arrayValue?.count == 2)
            #expect(results["seeds"]?["baseline"]?.stringValue == "evaluate")
            let report = CLI.read(dir.appendingPathComponent("runs/smoke/report.md"))
            #expect(report.contains("## Across seeds") && report.contains("| evaluate (baseline) | 7, 8 |"), "\(report)")
        }
    }
}
