import Foundation
import LemaCore
import Testing
@testable import Engine

/// Fingerprint properties: what changes a node's identity and what must not.
@Suite("Graph fingerprints")
struct GraphFingerprintTests {
    static let base = """
        name: fp
        stages:
          gen:
            kind: gen
            count: 20
          sample:
            kind: sample
            data: gen
            k: 2
          train:
            kind: train
            data: sample
            steps: 100
        """

    /// Stage name → node id, for a spec without sweep.
    static func ids(_ text: String, overrides: [String] = []) throws -> [String: String] {
        let graph = try SpecFixtures.compile(text, overrides: overrides)
        return try #require(graph.variants.first).stageNodes
    }

    @Test func keyOrderCommentsAndWhitespaceDoNotMatter() throws {
        let reordered = """
            # the same pipeline, written differently
            stages:
              train: {steps: 100,   data: sample, kind: train}   # flow style, other key order
              sample:
                k: 2
                kind: sample
                data: gen


              gen: {count: 20, kind: gen}
            name: fp
            """
        // Stage order differs, so node order differs; identities must not.
        #expect(try Self.ids(reordered) == Self.ids(Self.base))
    }

    @Test func changingADownstreamParameterKeepsUpstreamFingerprints() throws {
        let before = try Self.ids(Self.base)
        let after = try Self.ids(Self.base.replacingOccurrences(of: "steps: 100", with: "steps: 101"))
        #expect(after["gen"] == before["gen"])
        #expect(after["sample"] == before["sample"])
        #expect(after["train"] != before["train"])
    }

    @Test func changingAnUpstreamParameterChangesEveryDescendant() throws {
        let before = try Self.ids(Self.base)
        let after = try Self.ids(Self.base.replacingOccurrences(of: "count: 20", with: "count: 21"))
        #expect(after["gen"] != before["gen"])
        #expect(after["sample"] != before["sample"])
        #expect(after["train"] != before["train"])
    }

    @Test func explicitDefaultsEqualImplicitDefaults() throws {
        // k: 4 and temperature 0.7 are sample's defaults; lr's default is the double 1.0, written here as the int 1.
        let explicit = Self.base
            .replacingOccurrences(of: "k: 2", with: "k: 4\n    temperature: 0.7")
            .replacingOccurrences(of: "steps: 100", with: "steps: 100\n    lr: 1\n    note: ~\n    tags: []")
        let implicit = Self.base.replacingOccurrences(of: "    k: 2\n", with: "")
        #expect(try Self.ids(explicit) == Self.ids(implicit))
    }

    @Test func anchorsAliasesAndMergeKeysEqualTheExpandedSpec() throws {
        let withAnchors = """
            name: fp
            x-train: &train_defaults
              kind: train
              steps: 100
              tags: &tags [a, b]
            stages:
              gen: {kind: gen, count: 20}
              sample: {kind: sample, data: gen, k: 2}
              t1:
                <<: *train_defaults
                data: sample
              t2:
                <<: *train_defaults
                data: sample
                steps: 200
                extra_data: [gen]
              t3: {<<: [*train_defaults], data: gen, tags: *tags, lr: 0.5}
            """
        let expanded = """
            name: fp
            stages:
              gen: {kind: gen, count: 20}
              sample: {kind: sample, data: gen, k: 2}
              t1: {kind: train, steps: 100, tags: [a, b], data: sample}
              t2: {kind: train, steps: 200, tags: [a, b], data: sample, extra_data: [gen]}
              t3: {kind: train, steps: 100, tags: [a, b], data: gen, lr: 0.5}
            """
        let a = try SpecFixtures.compile(withAnchors)
        let b = try SpecFixtures.compile(expanded)
        #expect(a.nodes.map(\.id) == b.nodes.map(\.id))
        #expect(a.nodes.map(\.params) == b.nodes.map(\.params))
        #expect(a.node(stage: "t2", variant: "default")?.params["steps"] == .int(200))  // explicit key wins over merge
    }

    @Test func stageNamesAndEngineSettingsAreNotPartOfTheFingerprint() throws {
        let before = try SpecFixtures.compile(Self.base)
        let renamed = try SpecFixtures.compile(Self.base
            .replacingOccurrences(of: "  train:", with: "  fit:")
            .replacingOccurrences(of: "steps: 100", with: "steps: 100\n    retries: 3\n    threads: 2\n    timeout: 2h"))
        #expect(renamed.nodes.map(\.id) == before.nodes.map(\.id))
        let fit = try #require(renamed.nodes.last)
        #expect(fit.stage == "fit")
        #expect(fit.retries == 3 && fit.threads == 2 && fit.timeout == 7200)
    }

    @Test func kindVersionIsPartOfTheFingerprint() throws {
        var bumped = SpecFixtures.train
        bumped.version = 4
        var registry = SpecFixtures.registry
        registry.register(bumped)
        let before = try Self.ids(Self.base)
        let after = try SpecFixtures.compile(Self.base, registry: registry).variants[0].stageNodes
        #expect(after["sample"] == before["sample"])
        #expect(after["train"] != before["train"])
    }

    @Test func afterEdgesAreInputsUnderTheReservedNameAfter() throws {
        let graph = try SpecFixtures.compile(Self.base + "\n  done: {kind: noop, after: [train, gen]}\n")
        let done = try #require(graph.nodes.last)
        let ids = graph.variants[0].stageNodes
        #expect(done.inputs["after"]?.map(\.nodeID) == [ids["train"], ids["gen"]].compactMap { $0 })
        #expect(done.fingerprintComponents.inputs == ["after": [ids["train"]!, ids["gen"]!]])
        let reordered = try SpecFixtures.compile(Self.base + "\n  done: {kind: noop, after: [gen, train]}\n")
        #expect(reordered.nodes.last?.id != done.id)  // inputs keep the order written
    }

    @Test func fingerprintIsSHA256OfTheCanonicalComponents() throws {
        #expect(Fingerprint.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let graph = try SpecFixtures.compile(Self.base)
        for node in graph.nodes {
            let components = node.fingerprintComponents
            let reference = JSONValue.object([
                "kind": .string(node.kind), "version": .int(Int64(node.kindVersion)), "params": .object(node.params),
                "inputs": .object(node.inputs.mapValues { .array($0.map { .string($0.nodeID) }) }),
                "seed": .int(Int64(graph.seed)),
            ]).canonicalText
            #expect(components.canonicalText == reference)
            #expect(node.id == Fingerprint.sha256Hex(reference))
        }
        let train = try #require(graph.nodes.last)
        #expect(train.fingerprintComponents.params ==
                #"{"config":null,"data":"sample","extra":{},"extra_data":[],"flag":false,"lr":1.0,"note":null,"ratio":0.5,"steps":100,"tags":[]}"#)
        #expect(train.fingerprintComponents.kindVersion == 3)
    }

    @Test func identicalStagesStayDistinctNodes() throws {
        let alone = try SpecFixtures.compile("name: d\nstages:\n  src: {kind: gen}\n  a: {kind: sample, data: src}\n")
        let graph = try SpecFixtures.compile("""
            name: d
            stages:
              src: {kind: gen}
              a: {kind: sample, data: src}
              b: {kind: sample, data: src}
              c: {kind: sample, data: src}
              join: {kind: noop, after: [a, b, c]}
            """)
        #expect(graph.nodes.map(\.stage) == ["src", "a", "b", "c", "join"])
        #expect(Set(graph.nodes.map(\.id)).count == 5)
        // The first stage keeps the plain content fingerprint; the duplicates add their names.
        #expect(graph.nodes[1].id == alone.nodes[1].id)
        #expect(graph.nodes[1].fingerprintComponents.stage == nil)
        #expect(graph.nodes[2].fingerprintComponents.stage == "b")
        #expect(graph.nodes[3].fingerprintComponents.canonicalText.contains(#","stage":"c","version":1}"#))
        for node in graph.nodes {
            #expect(node.fingerprintComponents.fingerprint == node.id)
        }
        #expect(graph.nodes[4].parentIDs == [graph.nodes[1].id, graph.nodes[2].id, graph.nodes[3].id])
    }

    @Test(arguments: [
        JSONValue.string("plain"), .string("quote \" and \\ and \n and \u{01} and é 🎉"),
        .object(["b": .array([.int(1), .double(2.5), .double(3), .null, .bool(true)]), "a": .object(["é": .string("x"), "Z": .null])]),
        .double(1e-7), .double(-0.0), .int(-9),
    ])
    func canonicalWriterMatchesJSONValue(_ value: JSONValue) {
        #expect(CanonicalJSON.text(value) == value.canonicalText)
    }

    @Test func compilingTwiceGivesIdenticalGraphsAndRenderings() throws {
        let text = GraphSweepTests.ratioSweep
        let a = try SpecFixtures.compile(text)
        let b = try SpecFixtures.compile(text)
        #expect(a.nodes == b.nodes)
        for format in GraphFormat.allCases {
            #expect(GraphRenderer.render(a, format: format) == GraphRenderer.render(b, format: format))
        }
    }
}
