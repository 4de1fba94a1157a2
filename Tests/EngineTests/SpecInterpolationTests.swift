import Foundation
import LemaCore
import Testing
@testable import Engine

/// `${params.x}` interpolation, typed substitution and `--set` overrides.
@Suite("Spec interpolation and --set")
struct SpecInterpolationTests {
    static let spec = """
        name: interp
        seed: 7
        params:
          steps: 300
          rate: 0.25
          one: 1
          corpus: gsm
          tags: [x, y]
          k: 3
          retries: 2
        stages:
          gen:
            kind: gen
            source: "${params.corpus}-v${params.k}"
          t:
            kind: train
            data: gen
            steps: ${params.steps}
            lr: ${params.one}
            ratio: ${params.rate}
            tags: ${params.tags}
            note: steps=${params.steps}, tags=${params.tags}
            extra:
              thousands: ${params.k}000
            config: {literal: "$${params.steps}", nested: ["${params.corpus}"]}
            retries: ${params.retries}
        """

    static func train(_ overrides: [String] = []) throws -> GraphNode {
        let graph = try SpecFixtures.compile(spec, overrides: overrides)
        return try #require(graph.nodes(ofStage: "t").first)
    }

    @Test func exactReferenceTakesTheTypedValue() throws {
        let t = try Self.train()
        #expect(t.params["steps"] == .int(300))
        #expect(t.params["ratio"] == .double(0.25))
        #expect(t.params["tags"] == .array([.string("x"), .string("y")]))
        #expect(t.retries == 2)
    }

    @Test func integerParameterBecomesADoubleWhereANumberIsDeclared() throws {
        #expect(try Self.train().params["lr"] == .double(1))
    }

    @Test func partialReferencesSpliceText() throws {
        let graph = try SpecFixtures.compile(Self.spec)
        #expect(graph.nodes[0].params["source"] == .string("gsm-v3"))
        let t = try Self.train()
        #expect(t.params["note"] == .string("steps=300, tags=[\"x\",\"y\"]"))
    }

    @Test func plainSplicesAreReadAgainAndQuotedSplicesStayStrings() throws {
        // `${params.k}000` is a plain scalar: after splicing it reads as the integer 3000.
        #expect(try Self.train().params["extra"] == .object(["thousands": .int(3000)]))
        // Quoted, the same text is a string, which a map of integers refuses.
        let quoted = Self.spec.replacingOccurrences(of: "thousands: ${params.k}000", with: "thousands: \"${params.k}000\"")
        #expect(SpecFixtures.errors(quoted) == ["spec.yaml:24:18: error: expected an integer for 'extra.thousands', got '3000'"])
    }

    @Test func doubleDollarIsALiteral() throws {
        let config = try Self.train().params["config"]
        #expect(config == .object(["literal": .string("${params.steps}"), "nested": .array([.string("gsm")])]))
    }

    @Test func setOverridesAParameterEverywhereItIsUsed() throws {
        let graph = try SpecFixtures.compile(Self.spec, overrides: ["corpus=math", "params.steps=5"])
        #expect(graph.nodes[0].params["source"] == .string("math-v3"))
        let t = try #require(graph.nodes(ofStage: "t").first)
        #expect(t.params["steps"] == .int(5))
        #expect(graph.variants[0].params["steps"] == .int(5))
        #expect(graph.variants[0].params["corpus"] == .string("math"))
    }

    @Test func setValuesAreReadAsYAML() throws {
        let t = try Self.train(["tags=[p, q, 'r s']", "rate=1e-3"])
        #expect(t.params["tags"] == .array([.string("p"), .string("q"), .string("r s")]))
        #expect(t.params["ratio"] == .double(0.001))
    }

    @Test func setReachesStageKeysSeedAndName() throws {
        let graph = try SpecFixtures.compile(Self.spec, overrides: [
            "stages.t.lr=0.5", "stages.t.threads=2", "stages.t.timeout=90s", "seed=42", "name=other",
        ])
        let t = try #require(graph.nodes(ofStage: "t").first)
        #expect(t.params["lr"] == .double(0.5))
        #expect(t.threads == 2)
        #expect(t.timeout == 90)
        #expect(graph.seed == 42)
        #expect(graph.pipelineName == "other")
    }

    @Test func laterSetWins() throws {
        #expect(try Self.train(["steps=1", "steps=2"]).params["steps"] == .int(2))
    }

    @Test func setAppliesBeforeTheSweep() throws {
        let graph = try SpecFixtures.compile("""
            name: s
            params: {steps: 10, ratio: 0.5}
            sweep:
              grid: {ratio: [0.1, 0.9]}
            stages:
              gen: {kind: gen}
              t: {kind: train, data: gen, steps: "${params.steps}", ratio: "${params.ratio}"}
            """, overrides: ["steps=77"])
        #expect(graph.nodes(ofStage: "t").map { $0.params["steps"] } == [.int(77), .int(77)])
        #expect(graph.nodes(ofStage: "t").map { $0.params["ratio"] } == [.double(0.1), .double(0.9)])
        #expect(graph.variants.map { $0.params["steps"] } == [.int(77), .int(77)])
    }

    @Test(arguments: [
        ("90", 90.0), ("1.5", 1.5), ("90s", 90), ("10m", 600), ("2h", 7200), ("1h30m", 5400), ("500ms", 0.5), ("1d", 86400),
    ])
    func timeoutDurations(_ text: String, _ seconds: Double) throws {
        let t = try Self.train(["stages.t.timeout=\(text)"])
        #expect(t.timeout == seconds)
    }

    @Test func interpolatedEngineKeyIsChecked() {
        #expect(SpecFixtures.errors(Self.spec, overrides: ["retries=lots"]) == [
            "spec.yaml:26:14: error: expected an integer ≥ 0 for 'retries', got 'lots'"])
    }
}
