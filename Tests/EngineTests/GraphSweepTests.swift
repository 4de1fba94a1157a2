import Foundation
import LemaCore
import Testing
@testable import Engine

/// Sweeps: variants, sharing of identical nodes, gather inputs.
@Suite("Graph sweeps")
struct GraphSweepTests {
    /// gen → sample → train; only train reads `ratio`.
    static let ratioSweep = """
        name: lema-sweep
        params:
          ratio: 0.5
        sweep:
          grid:
            ratio: [0.1, 0.2, 0.3, 0.4, 0.5]
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
        """

    @Test func sweepOverLastStageSharesUpstreamNodes() throws {
        let graph = try SpecFixtures.compile(Self.ratioSweep)
        #expect(graph.variants.map(\.name) == ["ratio=0.1", "ratio=0.2", "ratio=0.3", "ratio=0.4", "ratio=0.5"])
        #expect(graph.nodes(ofStage: "gen").count == 1)
        #expect(graph.nodes(ofStage: "sample").count == 1)
        #expect(graph.nodes(ofStage: "train").count == 5)
        #expect(graph.nodes.count == 7)
        let all = graph.variants.map(\.name)
        #expect(graph.nodes(ofStage: "gen")[0].variants == all)
        #expect(graph.nodes(ofStage: "sample")[0].variants == all)
        let trains = graph.nodes(ofStage: "train")
        #expect(trains.map(\.variants) == all.map { [$0] })
        #expect(trains.map { $0.params["ratio"] } == [0.1, 0.2, 0.3, 0.4, 0.5].map { JSONValue.double($0) })
        let sampleID = graph.nodes(ofStage: "sample")[0].id
        for train in trains {
            #expect(train.inputs["data"]?.map(\.nodeID) == [sampleID])
        }
        // Every variant maps its stages onto those nodes.
        for (variant, train) in zip(graph.variants, trains) {
            #expect(variant.stageNodes == ["gen": graph.nodes[0].id, "sample": sampleID, "train": train.id])
            #expect(variant.params["ratio"] == train.params["ratio"])
        }
        // Parents before children: gen, sample, then the trains in variant order.
        #expect(graph.nodes.map(\.stage) == ["gen", "sample", "train", "train", "train", "train", "train"])
    }

    @Test func textRenderingShowsSharing() throws {
        let graph = try SpecFixtures.compile(Self.ratioSweep)
        let g = String(graph.nodes[0].id.prefix(12))
        let s = String(graph.nodes[1].id.prefix(12))
        let t = graph.nodes(ofStage: "train").map { String($0.id.prefix(12)) }
        let expected = """
            pipeline 'lema-sweep': 5 variants, 3 stages, 7 nodes (2 shared)
            variants: ratio=0.1 | ratio=0.2 | ratio=0.3 | ratio=0.4 | ratio=0.5

            gen \(g) [gen]  shared by all 5 variants
            sample \(s) [sample]  shared by all 5 variants
                data ← gen \(g)
            train \(t[0]) [train]  variant ratio=0.1
                data ← sample \(s)
            train \(t[1]) [train]  variant ratio=0.2
                data ← sample \(s)
            train \(t[2]) [train]  variant ratio=0.3
                data ← sample \(s)
            train \(t[3]) [train]  variant ratio=0.4
                data ← sample \(s)
            train \(t[4]) [train]  variant ratio=0.5
                data ← sample \(s)

            """
        #expect(GraphRenderer.render(graph, format: .text) == expected)
    }

    @Test func gridIsCartesianProductInWrittenOrderThenExplicitVariants() throws {
        let graph = try SpecFixtures.compile("""
            name: grid
            params:
              n: 1
              mode: fast
              lr: 0.1
            sweep:
              grid:
                n: [1, 2]
                mode: [fast, slow]
              variants:
                - {name: baseline, lr: 0.5}
                - {n: 3, mode: slow}
            stages:
              g:
                kind: gen
                count: ${params.n}
                mode: ${params.mode}
            """)
        #expect(graph.variants.map(\.name) == ["n=1,mode=fast", "n=1,mode=slow", "n=2,mode=fast", "n=2,mode=slow",
                                               "baseline", "n=3,mode=slow"])
        #expect(graph.variants[4].params == ["n": .int(1), "mode": .string("fast"), "lr": .double(0.5)])
        // `baseline` resolves g exactly like n=1,mode=fast (lr is not read): one node for both.
        let first = try #require(graph.node(stage: "g", variant: "n=1,mode=fast"))
        #expect(first.variants == ["n=1,mode=fast", "baseline"])
        #expect(graph.nodes.count == 5)
    }

    @Test func gatherBindsEveryVariantsNodes() throws {
        let graph = try SpecFixtures.compile(Self.ratioSweep + """

              summary:
                kind: report
                runs: [train, sample]
            """)
        let reports = graph.nodes(ofStage: "summary")
        #expect(reports.count == 1)
        let report = try #require(reports.first)
        #expect(report.variants == graph.variants.map(\.name))
        let trains = graph.nodes(ofStage: "train").map(\.id)
        #expect(report.inputs["runs"]?.map(\.nodeID) == trains + [graph.nodes(ofStage: "sample")[0].id])
        #expect(report.inputs["runs"]?.map(\.stage) == Array(repeating: "train", count: 5) + ["sample"])
        #expect(graph.nodes.last?.stage == "summary")
    }

    @Test func spreadsOfSharingAcrossTwoAxes() throws {
        // sample reads k, train reads ratio: 2 samples, 2×3 trains.
        let graph = try SpecFixtures.compile("""
            name: two-axes
            params: {k: 1, ratio: 0.5}
            sweep:
              grid: {k: [1, 2], ratio: [0.1, 0.2, 0.3]}
            stages:
              gen: {kind: gen}
              sample: {kind: sample, data: gen, k: "${params.k}"}
              train: {kind: train, data: sample, steps: 5, ratio: "${params.ratio}"}
            """)
        #expect(graph.nodes(ofStage: "gen").count == 1)
        #expect(graph.nodes(ofStage: "sample").map(\.variants) == [
            ["k=1,ratio=0.1", "k=1,ratio=0.2", "k=1,ratio=0.3"], ["k=2,ratio=0.1", "k=2,ratio=0.2", "k=2,ratio=0.3"]])
        #expect(graph.nodes(ofStage: "train").count == 6)
        #expect(graph.nodes(ofStage: "sample").map { $0.params["k"] } == [.int(1), .int(2)])
    }

    @Test func wideSweepCompilesToOneNodePerValue() throws {
        let width = ProcessInfo.processInfo.environment["LEMA_LONG_TESTS"] == "1" ? 10_000 : 1_000
        let values = (0..<width).map(String.init).joined(separator: ", ")
        let graph = try SpecFixtures.compile("""
            name: wide
            params: {i: 0}
            sweep:
              grid: {i: [\(values)]}
            stages:
              root: {kind: gen}
              leaf: {kind: noop, label: "n${params.i}", after: [root]}
            """)
        #expect(graph.variants.count == width)
        #expect(graph.nodes.count == width + 1)
        #expect(graph.nodes[0].variants.count == width)
        #expect(graph.nodes.last?.params["label"] == .string("n\(width - 1)"))
    }

    @Test func manyStagesFanOut() throws {
        let width = ProcessInfo.processInfo.environment["LEMA_LONG_TESTS"] == "1" ? 10_000 : 1_000
        var text = "name: fan\nstages:\n  root: {kind: gen}\n"
        // Identical definitions on purpose (as in the engine benchmark): distinct stages stay distinct nodes.
        for i in 0..<width { text += "  n\(i): {kind: noop, after: [root]}\n" }
        let graph = try SpecFixtures.compile(text)
        #expect(graph.nodes.count == width + 1)
        #expect(graph.nodes.map(\.stage).prefix(3) == ["root", "n0", "n1"])
        let rootID = graph.nodes[0].id
        #expect(graph.nodes.dropFirst().allSatisfy { $0.parentIDs == [rootID] })
        #expect(Set(graph.nodes.map(\.id)).count == width + 1)
    }
}
