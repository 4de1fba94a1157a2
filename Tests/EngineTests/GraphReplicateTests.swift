import Foundation
import LemaCore
import StageAPI
import Testing
@testable import Engine

/// `replicates:`: every sweep point once per seed; reseeded kinds get a node per seed, the rest is shared.
@Suite("Graph replicates")
struct GraphReplicateTests {
    /// A kind that declares itself reseeded (as `train` and `sample` do), around a fixture kind.
    struct Reseeded: StageKind {
        var base: SpecFixtures.Kind
        var name: String { base.name }
        var version: Int { base.version }
        var summary: String { base.summary }
        var parameters: [ParameterSpec] { base.parameters }
        var reseededByReplicates: Bool { true }
        func run(_ context: any StageContext) throws -> StageOutcome { StageOutcome() }
    }

    static let registry = KindRegistry([SpecFixtures.gen, Reseeded(base: SpecFixtures.sample),
                                        Reseeded(base: SpecFixtures.train), SpecFixtures.report])

    /// gen ─► sample (reseeded) ─► train (reseeded, reads ratio) ─► report (gathers every variant's train).
    static func spec(replicates: Int?) -> String {
        """
        name: reps
        seed: 5
        \(replicates.map { "replicates: \($0)" } ?? "")
        params:
          ratio: 0.5
        sweep:
          grid:
            ratio: [0.1, 0.2]
        stages:
          gen:
            kind: gen
          sample:
            kind: sample
            data: gen
          train:
            kind: train
            data: sample
            steps: 10
            ratio: ${params.ratio}
          report:
            kind: report
            runs: train
        """
    }

    @Test func reseededStagesGetANodePerSeedAndTheRestIsShared() throws {
        let graph = try SpecFixtures.compile(Self.spec(replicates: 3), registry: Self.registry)
        #expect(graph.variants.map(\.name) == ["ratio=0.1,seed=5", "ratio=0.1,seed=6", "ratio=0.1,seed=7",
                                               "ratio=0.2,seed=5", "ratio=0.2,seed=6", "ratio=0.2,seed=7"])
        #expect(graph.variants.map { $0.replicate?.of } == ["ratio=0.1", "ratio=0.1", "ratio=0.1",
                                                            "ratio=0.2", "ratio=0.2", "ratio=0.2"])
        #expect(graph.variants.map { $0.replicate?.seed } == [5, 6, 7, 5, 6, 7])
        // The dataset is shared by every seed; sampling is per seed but shared by both ratios (it does not read
        // ratio); training is per (ratio, seed); the report gathers all of them once.
        #expect(graph.nodes(ofStage: "gen").count == 1)
        let samples = graph.nodes(ofStage: "sample")
        #expect(samples.map(\.seed) == [5, 6, 7])
        #expect(samples.map(\.variants) == [["ratio=0.1,seed=5", "ratio=0.2,seed=5"],
                                             ["ratio=0.1,seed=6", "ratio=0.2,seed=6"],
                                             ["ratio=0.1,seed=7", "ratio=0.2,seed=7"]])
        #expect(graph.nodes(ofStage: "train").count == 6)
        #expect(graph.nodes(ofStage: "report").count == 1)
        #expect(graph.nodes(ofStage: "report")[0].inputs["runs"]?.count == 6)
        // Sharing is by fingerprint: a shared kind keeps the pipeline's seed, whatever the replicate.
        #expect(graph.nodes(ofStage: "gen")[0].seed == 5)
        #expect(graph.nodes(ofStage: "report")[0].seed == 5)
    }

    @Test func theFirstReplicateIsTheRunWithoutReplicates() throws {
        let single = try SpecFixtures.compile(Self.spec(replicates: nil), registry: Self.registry)
        let replicated = try SpecFixtures.compile(Self.spec(replicates: 3), registry: Self.registry)
        for stage in ["gen", "sample", "train"] {
            for ratio in ["0.1", "0.2"] {
                #expect(single.node(stage: stage, variant: "ratio=\(ratio)")?.id
                        == replicated.node(stage: stage, variant: "ratio=\(ratio),seed=5")?.id)
            }
        }
        // `--set replicates=3` is the same as writing it.
        let overridden = try SpecFixtures.compile(Self.spec(replicates: nil), overrides: ["replicates=3"],
                                                  registry: Self.registry)
        #expect(overridden.nodes.map(\.id) == replicated.nodes.map(\.id))
    }

    @Test func lemaGraphShowsTheSeedsAndWhatTheyShare() throws {
        let graph = try SpecFixtures.compile(Self.spec(replicates: 2), registry: Self.registry)
        let text = GraphRenderer.render(graph, format: .text)
        #expect(text.contains("\nreplicates: seeds 5, 6 — one node per seed: sample, train; shared by every seed: gen, report\n"))
        let sample6 = try #require(graph.node(stage: "sample", variant: "ratio=0.1,seed=6"))
        #expect(text.contains("sample \(sample6.id.prefix(12)) [sample]  shared by 2 variants: ratio=0.1,seed=6, ratio=0.2,seed=6"))
        // Without replicates there is no such line.
        let plain = GraphRenderer.render(try SpecFixtures.compile(Self.spec(replicates: nil), registry: Self.registry),
                                         format: .text)
        #expect(!plain.contains("replicates:"))
    }

    @Test func reseedOverridesTheKind() throws {
        // sample shared by every seed (reseed: false); gen per seed (reseed: true).
        let text = Self.spec(replicates: 2)
            .replacingOccurrences(of: "    kind: sample\n", with: "    kind: sample\n    reseed: false\n")
            .replacingOccurrences(of: "    kind: gen\n", with: "    kind: gen\n    reseed: true\n")
        let graph = try SpecFixtures.compile(text, registry: Self.registry)
        #expect(graph.nodes(ofStage: "gen").map(\.seed) == [5, 6])
        #expect(graph.nodes(ofStage: "sample").count == 2)  // per seed through its input, not its own seed
        #expect(graph.nodes(ofStage: "sample").map(\.seed) == [5, 5])
        let shared = try SpecFixtures.compile(Self.spec(replicates: 2)
            .replacingOccurrences(of: "    kind: sample\n", with: "    kind: sample\n    reseed: false\n"), registry: Self.registry)
        #expect(shared.nodes(ofStage: "sample").count == 1)
        #expect(shared.nodes(ofStage: "train").count == 4)
        #expect(GraphRenderer.render(shared, format: .text).contains("one node per seed: train; shared by every seed: gen, sample, report"))
        let errors = SpecFixtures.errors(Self.spec(replicates: 2)
            .replacingOccurrences(of: "    kind: sample\n", with: "    kind: sample\n    reseed: sometimes\n"))
        #expect(errors == ["spec.yaml:14:13: error: expected true or false for 'reseed' (whether each replicate gets its own node of this stage), got 'sometimes'"])
    }

    @Test(arguments: ["0", "-1", "two", "[3]"])
    func badReplicateCountsAreRefusedWithTheRange(_ value: String) {
        let errors = SpecFixtures.errors(Self.spec(replicates: nil).replacingOccurrences(of: "seed: 5", with: "seed: 5\nreplicates: \(value)"))
        #expect(errors.count == 1)
        #expect(errors.first?.contains("expected an integer from 1 to 1000 for 'replicates'") == true, "\(errors)")
    }
}
