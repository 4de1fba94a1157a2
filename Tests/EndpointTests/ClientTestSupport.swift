import Foundation
import LemaCore
import StageAPI
@testable import Endpoint

/// A client against `server` with test-sized backoff on a virtual clock (no real waiting). The timeout is generous
/// (tests share a loaded machine); timeout tests pass a short one.
func makeTestClient(
    _ server: FaultServer, api: EndpointConfig.API = .completions, retries: Int = 6, timeout: Double = 5,
    maxConcurrent: Int = 4, requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, apiKeyEnv: String? = nil,
    environment: [String: String] = [:], price: EndpointConfig.Price? = nil, cache: (any ResponseCache)? = nil
) throws -> (client: EndpointClient, clock: RecordingEndpointClock) {
    let config = EndpointConfig(
        baseURL: server.baseURL, model: "test-model", api: api, apiKeyEnv: apiKeyEnv, timeout: timeout,
        maxConcurrent: maxConcurrent, requestsPerMinute: requestsPerMinute, tokensPerMinute: tokensPerMinute,
        retries: retries, backoffBase: 0.01, backoffMax: 0.1, price: price)
    let clock = RecordingEndpointClock()
    let client = try EndpointClient(config: config, cache: cache, environment: environment, clock: clock)
    return (client, clock)
}

/// The counter of `stats` named `name` (a test-table friendly key path).
func counter(_ name: String, of stats: EndpointStats) -> Int {
    switch name {
    case "rateLimited": stats.rateLimited
    case "serverErrors": stats.serverErrors
    case "clientErrors": stats.clientErrors
    case "timeouts": stats.timeouts
    case "malformed": stats.malformed
    case "transportErrors": stats.transportErrors
    default: -1
    }
}

/// A call with the default test sampling settings.
func testCall(_ prompt: String, sampleIndex: Int = 0, temperature: Double = 0) -> EndpointCall {
    EndpointCall(prompt: prompt, decoding: DecodingSettings(maxTokens: 16, temperature: temperature), sampleIndex: sampleIndex)
}

/// Runs blocking work (like `completeAll`) on a Dispatch thread, as the stage workers do, so that a test never blocks
/// a thread of the Swift concurrency pool it shares with other tests.
func onDispatchThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: body()) }
    }
}
