import Engine
import Foundation
import Testing
@testable import LemaCLI

/// Every pipeline shipped in pipelines/ compiles against the real stage kinds.
@Suite struct ShippedPipelinesTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../pipelines").standardizedFileURL

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.sorted()
    }

    @Test func theExpectedPipelinesShip() {
        #expect(Set(["lema.yaml", "ratio-sweep.yaml", "ablations.yaml", "smoke.yaml", "evolution.yaml", "diagnostics.yaml"]).isSubset(of: Set(Self.files)))
    }

    /// The multi-seed pipelines: 3 seeds; the dataset (so the test set) is one node, training and sampling one per
    /// seed, and the report's baseline names an arm of the sweep.
    @Test(arguments: [("ratio-sweep.yaml", 10), ("ablations.yaml", 7)])
    func multiSeedPipelinesShareTheTestSetAndReseedTraining(_ file: String, points: Int) throws {
        let graph = try PipelineCompiler.compile(file: Self.directory.appendingPathComponent(file), overrides: [],
                                                 registry: KindCatalog.registry)
        #expect(graph.variants.count == 3 * points)
        #expect(Set(graph.variants.compactMap { $0.replicate?.seed }) == [1, 2, 3])
        #expect(graph.nodes(ofStage: "problems").count == 1)
        #expect(graph.nodes(ofStage: "base").count == 3 && graph.nodes(ofStage: "sample").count == 3)
        #expect(graph.nodes(ofStage: "finetune").count == 3 * points)
        let baseline = try #require(graph.nodes(ofStage: "report").first?.params["baseline"]?.stringValue)
        #expect(graph.variants.contains { $0.replicate?.of == baseline }, "baseline \(baseline)")
        #expect(GraphRenderer.render(graph, format: .text).contains("replicates: seeds 1, 2, 3 — one node per seed: base, sample"))
    }

    @Test(arguments: files)
    func compiles(_ file: String) throws {
        let graph = try PipelineCompiler.compile(file: Self.directory.appendingPathComponent(file), overrides: [],
                                                 registry: KindCatalog.registry)
        #expect(!graph.nodes.isEmpty)
        #expect(graph.nodes.contains { $0.kind == "report" })
    }

    @Test func defaultExperimentComparesThreeModesOverSharedUpstream() throws {
        let graph = try PipelineCompiler.compile(file: Self.directory.appendingPathComponent("lema.yaml"),
                                                 overrides: [], registry: KindCatalog.registry)
        #expect(graph.variants.map(\.name) == ["mode=cot-only", "mode=lema", "mode=cot-same-size"])
        for stage in ["problems", "base", "sample", "mistakes", "correct", "dedupe", "report"] {
            #expect(graph.nodes(ofStage: stage).count == 1, "\(stage)")
        }
        #expect(graph.nodes(ofStage: "finetune").count == 3)
    }

    /// Correction-centric and random evolution, 3 seeds: the data set is shared, everything up to the corrections
    /// and plain LeMa's arm is one node per seed, and each (arm, seed) evolves, labels and corrects on its own.
    @Test func evolutionSharesThePlainLeMaArmPerSeedAndEvolvesPerVariant() throws {
        let graph = try PipelineCompiler.compile(file: Self.directory.appendingPathComponent("evolution.yaml"),
                                                 overrides: [], registry: KindCatalog.registry)
        #expect(Set(graph.variants.compactMap { $0.replicate?.of }) == ["seeds=corrections", "seeds=random"])
        #expect(Set(graph.variants.compactMap { $0.replicate?.seed }) == [1, 2, 3])
        for stage in ["problems", "report"] { #expect(graph.nodes(ofStage: stage).count == 1, "\(stage)") }
        for stage in ["base", "dedupe", "mix_lema", "finetune_lema", "evaluate_lema"] {
            #expect(graph.nodes(ofStage: stage).count == 3, "\(stage)")
        }
        for stage in ["evolve", "teacher", "vote", "correct_evolved", "mix", "finetune", "evaluate"] {
            #expect(graph.nodes(ofStage: stage).count == 6, "\(stage)")
        }
    }
}
