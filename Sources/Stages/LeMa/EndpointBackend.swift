import Endpoint
import Foundation
import LemaCore
import StageAPI

/// What the model-facing stages (`sample`, `correct`, `evaluate`) share to call an OpenAI-compatible endpoint instead
/// of the in-process model: the `endpoint` parameter, its validation, the part of it that the fingerprint covers,
/// and the stage summary of the calls (requests, cache hits, faults, tokens, estimated cost).
enum EndpointBackend {
    static func parameter(_ doc: String) -> ParameterSpec {
        ParameterSpec("endpoint", .any, default: .null, doc: doc + " Keys: `base_url` (e.g. http://127.0.0.1:8080/v1), `model`, `api` (`completions` or `chat`; default `completions`), `api_key_env` (name of the environment variable holding the key; the key is never stored), `timeout` (s, default 60), `max_concurrent` (8), `requests_per_minute`, `tokens_per_minute` (unlimited), `retries` (6), `backoff_base` (0.5 s), `backoff_max` (30 s), `price` {prompt_per_million, completion_per_million} (USD). Only base_url, model and api are part of the fingerprint.")
    }

    /// Problems with the `endpoint` value (nil / null = not used).
    static func validate(_ params: [String: JSONValue]) -> [ParameterProblem] {
        guard let value = params["endpoint"], !value.isNull else { return [] }
        switch EndpointConfig.parse(value) {
        case .success: return []
        case .failure(let error): return error.problems.map { ParameterProblem(parameter: "endpoint", message: $0) }
        }
    }

    /// The parameters with `endpoint` reduced to the keys that change results, so a new rate limit, timeout or
    /// price does not redo a finished stage.
    /// Keys added after results were first recorded are left out while they hold their defaults (`endpoint: null`,
    /// `stop: []`), so runs made before they existed keep their fingerprints and are not redone.
    static func fingerprinted(_ params: [String: JSONValue], endpointOnly: [String] = []) -> [String: JSONValue] {
        var out = params
        if out["stop"]?.arrayValue?.isEmpty == true { out["stop"] = nil }
        guard let value = params["endpoint"], case .object(let object) = value else {
            out["endpoint"] = nil
            for key in endpointOnly { out[key] = nil }
            return out
        }
        out["endpoint"] = .object(object.filter { EndpointConfig.resultKeys.contains($0.key) })
        return out
    }

    /// The configured endpoint, or nil when the stage uses the in-process model.
    static func config(_ context: any StageContext) throws -> EndpointConfig? {
        guard let value = context.params["endpoint"], !value.isNull else { return nil }
        switch EndpointConfig.parse(value) {
        case .success(let config): return config
        case .failure(let error):
            throw StageFailure("stage '\(context.stageName)': invalid 'endpoint': \(error)", retryable: false)
        }
    }

    /// A client whose responses are cached in the run's store.
    static func client(_ config: EndpointConfig, context: any StageContext) throws -> EndpointClient {
        do {
            return try EndpointClient(config: config, cache: context.responseCache)
        } catch {
            throw StageFailure("stage '\(context.stageName)': \(error)", retryable: false)
        }
    }

    /// Runs calls and returns the texts in order; a call that failed after its last try fails the attempt (the
    /// calls that succeeded are cached, so the engine's retry or a resume does not send them again).
    /// A cancelled stage (SIGINT, timeout) stops its calls in flight or backing off; replies received stay cached.
    static func texts(_ calls: [EndpointCall], client: EndpointClient, context: any StageContext) throws -> [String] {
        let results = client.completeAll(calls, isCancelled: { context.isCancelled })
        if context.isCancelled { throw StageCancelled() }
        return try results.map { result in
            switch result {
            case .success(let reply): return reply.text
            case .failure(let error): throw StageFailure("stage '\(context.stageName)': \(error)")
            }
        }
    }

    /// The stage summary of the calls a client made.
    static func summary(_ stats: EndpointStats, config: EndpointConfig) -> [String: JSONValue] {
        var out: [String: JSONValue] = [
            "endpoint": .string(config.requestURL), "endpoint_model": .string(config.model),
            "requests_sent": .int(Int64(stats.sent)), "cache_hits": .int(Int64(stats.cacheHits)),
            "rate_limited": .int(Int64(stats.rateLimited)), "server_errors": .int(Int64(stats.serverErrors)),
            "timeouts": .int(Int64(stats.timeouts)), "malformed": .int(Int64(stats.malformed)),
            "transport_errors": .int(Int64(stats.transportErrors)), "failed_calls": .int(Int64(stats.failures)),
            "prompt_tokens": .int(Int64(stats.promptTokens)), "completion_tokens": .int(Int64(stats.completionTokens)),
        ]
        if config.price != nil { out["cost_usd"] = .double(stats.estimatedCostUSD) }
        return out
    }

    /// Seeds on the wire are kept below 2^63: servers parse them as signed 64-bit integers.
    static func wireSeed(_ seed: UInt64) -> Int64 { Int64(bitPattern: seed & 0x7FFF_FFFF_FFFF_FFFF) }
}
