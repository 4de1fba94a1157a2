import LemaCore
import StageAPI
import Testing
@testable import Stages

/// What of an endpoint stage's parameters its fingerprint covers: what the server answers depends on the URL, the
/// model and the API, not on rate limits, timeouts, prices or the name of the key variable.
@Suite("Endpoint parameters in fingerprints")
struct EndpointFingerprintTests {
    static let endpoint: [String: JSONValue] = [
        "base_url": .string("http://127.0.0.1:8000/v1"), "model": .string("m"), "api": .string("completions"),
    ]

    static func params(_ extra: [String: JSONValue]) -> [String: JSONValue] {
        ["questions": .string("data"), "k": .int(4), "stop": .array([]),
         "endpoint": .object(Self.endpoint.merging(extra, uniquingKeysWith: { _, new in new }))]
    }

    @Test(arguments: [
        ["timeout": JSONValue.int(120)], ["max_concurrent": .int(64)], ["requests_per_minute": .int(10)],
        ["tokens_per_minute": .int(1000)], ["retries": .int(1)], ["api_key_env": .string("OTHER_KEY")],
        ["price": .object(["prompt_per_million": .double(1)])], ["backoff_base": .double(2)],
    ])
    func operationalKeysDoNotChangeTheFingerprint(_ extra: [String: JSONValue]) {
        for kind in [SampleKind() as any StageKind, EvaluateKind(), CorrectKind()] {
            #expect(kind.fingerprinted(Self.params(extra)) == kind.fingerprinted(Self.params([:])), "\(kind.name)")
        }
    }

    @Test(arguments: [["model": JSONValue.string("other")], ["base_url": .string("http://10.0.0.1/v1")],
                      ["api": .string("chat")]])
    func resultKeysDoChangeIt(_ extra: [String: JSONValue]) {
        for kind in [SampleKind() as any StageKind, EvaluateKind(), CorrectKind()] {
            #expect(kind.fingerprinted(Self.params(extra)) != kind.fingerprinted(Self.params([:])), "\(kind.name)")
        }
    }

    /// Keys added for endpoints leave in-process nodes' fingerprints as they were before the keys existed.
    @Test func inProcessNodesKeepTheirFingerprints() {
        let sample: [String: JSONValue] = ["model": .string("base"), "k": .int(4), "stop": .array([]), "endpoint": .null]
        #expect(SampleKind().fingerprinted(sample) == ["model": .string("base"), "k": .int(4)])
        let correct: [String: JSONValue] = ["corrector": .string("oracle"), "quality": .double(1), "endpoint": .null,
                                            "shots": .int(3), "templates": .string("paper"), "temperature": .double(0),
                                            "max_tokens": .int(512), "unparseable_retries": .int(1)]
        #expect(CorrectKind().fingerprinted(correct) == ["corrector": .string("oracle"), "quality": .double(1)])
        let train: [String: JSONValue] = ["steps": .int(10), "backend": .string("local"), "command": .array([]),
                                          "args": .object([:])]
        #expect(TrainKind().fingerprinted(train) == ["steps": .int(10)])
        let external = train.merging(["backend": .string("command")], uniquingKeysWith: { _, new in new })
        #expect(TrainKind().fingerprinted(external) == external)
    }
}
