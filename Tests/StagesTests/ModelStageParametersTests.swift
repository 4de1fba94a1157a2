import LemaCore
import Math
import Testing
@testable import Stages

/// The model stages' parameters become their typed values once: "off" values of top-k/top-p become nil, evaluate is
/// greedy, and a rule that spans the spec's types fails naming the stage.
@Suite struct ModelStageParametersTests {
    static func sample(_ values: [String: JSONValue]) throws -> SampleParameters {
        try SampleParameters(ParameterValues(values, specs: SampleKind().parameters, stage: "s"), stage: "s")
    }

    @Test func sampleDefaultsAreTheDocumentedOnes() throws {
        let p = try Self.sample([:])
        #expect(p.k == 4 && p.limit == 0 && p.batch == 32 && p.templates == .paper)
        #expect(p.decoding == DecodingSettings(maxTokens: 160, temperature: 0.8, topK: nil, topP: nil, stop: []))
    }

    @Test(arguments: [
        (["top_k": .int(0), "top_p": .double(1)], nil, nil),
        (["top_k": .int(5), "top_p": .double(0.9)], 5, 0.9),
        (["top_k": .int(-1), "top_p": .double(0.5)], nil, 0.5),
    ] as [([String: JSONValue], Int?, Double?)])
    func offValuesOfTopKAndTopPAreNil(_ values: [String: JSONValue], topK: Int?, topP: Double?) throws {
        let p = try Self.sample(values)
        #expect(p.decoding.topK == topK)
        #expect(p.decoding.topP == topP)
    }

    @Test func sampleRefusesFewerThanOnePath() {
        expectStageFailure(["stage 's'", "k must be at least 1"]) { _ = try Self.sample(["k": .int(0)]) }
        expectStageFailure(["stage 's'", "'temperature'"]) { _ = try Self.sample(["temperature": .string("hot")]) }
    }

    @Test func evaluateIsGreedyWithItsStopStrings() throws {
        let p = try EvaluateParameters(ParameterValues(
            ["max_tokens": .int(20), "stop": .array([.string("\n\n")]), "templates": .string("compact")],
            specs: EvaluateKind().parameters, stage: "e"))
        #expect(p.decoding == .greedy(maxTokens: 20, stop: ["\n\n"]))
        #expect(p.templates == .compact && p.batch == 32)
    }
}
