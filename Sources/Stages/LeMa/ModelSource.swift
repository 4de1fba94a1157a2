import Endpoint
import Foundation
import LemaCore
import StageAPI
import TinyGPT

/// Where a model-facing stage's completions come from: the in-process model (`model:`) or an OpenAI-compatible
/// endpoint (`endpoint:`). Both give the same text for the same prompt and decoding (the server runs the same
/// prompt encoding), so a pipeline changes backend without changing shape.
final class ModelSource: @unchecked Sendable {  // immutable after init; the client is thread-safe
    private enum Backend {
        case local(Generation)
        case endpoint(EndpointClient, EndpointConfig)
    }

    private let backend: Backend
    private let context: any StageContext
    private let decoding: DecodingSettings

    /// `modelFile` overrides the file of the `model` input (evaluation of one checkpoint among several).
    init(_ context: any StageContext, modelFile: URL? = nil, decoding: DecodingSettings) throws {
        self.context = context
        self.decoding = decoding
        if let config = try EndpointBackend.config(context) {
            backend = .endpoint(try EndpointBackend.client(config, context: context), config)
            return
        }
        let file: URL
        if let modelFile {
            file = modelFile
        } else if let input = context.inputs("model").first {
            file = try ModelFiles.modelFile(input)
        } else {
            throw StageFailure("stage '\(context.stageName)': neither `model` nor `endpoint` is given; bind a train "
                + "stage to `model` or describe an endpoint", retryable: false)
        }
        backend = .local(Generation(pool: try ModelPool(file: file), decoding: decoding))
    }

    /// `model` and `endpoint` are alternatives: exactly one must be given.
    static func exclusive(_ params: [String: JSONValue]) -> [ParameterProblem] {
        let hasModel = !(params["model"]?.isNull ?? true)
        let hasEndpoint = !(params["endpoint"]?.isNull ?? true)
        if hasModel && hasEndpoint {
            return [ParameterProblem(parameter: "endpoint",
                                     message: "give either `model` (in-process) or `endpoint`, not both")]
        }
        if !hasModel && !hasEndpoint {
            return [ParameterProblem(parameter: "model",
                                     message: "no model: bind a train stage to `model`, or give an `endpoint`")]
        }
        return []
    }

    var isEndpoint: Bool {
        if case .endpoint = backend { return true }
        return false
    }

    /// Ledger chunks in flight at once: the stage's cores for the in-process model; for an endpoint at least two,
    /// so one chunk's slowest request does not idle the connection budget (`max_concurrent` bounds the requests).
    func workers(_ context: any StageContext) -> Int {
        isEndpoint ? max(2, context.threads) : context.threads
    }

    /// One completion per prompt, in order. `seeds` make each row's sampling independent of its batch-mates;
    /// `sampleIndexes` tell repeated samples of one prompt apart in an endpoint's request (and its cache key).
    func complete(_ prompts: [String], seeds: [UInt64], sampleIndexes: [Int]) throws -> [String] {
        switch backend {
        case .local(let generation):
            return try generation.complete(prompts, seeds: seeds)
        case .endpoint(let client, _):
            let calls = prompts.indices.map { i in
                EndpointCall(prompt: prompts[i], decoding: decoding, seed: EndpointBackend.wireSeed(seeds[i]),
                             sampleIndex: sampleIndexes[i])
            }
            // Servers cut at the stop strings themselves; cutting again keeps both backends equal if one does not.
            return try EndpointBackend.texts(calls, client: client, context: context).map { text in
                TextCompleter.firstStop(in: text, stops: decoding.stop).map { String(text[..<$0]) } ?? text
            }
        }
    }

    /// Endpoint calls for the stage summary (empty in-process).
    var summary: [String: JSONValue] {
        guard case .endpoint(let client, let config) = backend else { return [:] }
        return EndpointBackend.summary(client.stats, config: config)
    }

    func close() {
        if case .endpoint(let client, _) = backend { client.shutdown() }
    }
}
