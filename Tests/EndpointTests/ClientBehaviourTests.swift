import Foundation
import LemaCore
import OpenAIWire
import StageAPI
import Testing
@testable import Endpoint

@Suite("EndpointClient: cache, limits, concurrency, API key")
struct ClientBehaviourTests {
    @Test func requestBodyIsCompactWithSortedKeys() throws {
        let config = EndpointConfig(baseURL: "http://h/v1", model: "m")
        let call = EndpointCall(prompt: "hi", decoding: DecodingSettings(maxTokens: 16, temperature: 0.5, topK: 4, stop: ["\n\n"]),
                                seed: 7)
        let body = try EndpointClient.renderBody(call, config: config)
        #expect(String(decoding: body, as: UTF8.self)
            == #"{"max_tokens":16,"model":"m","prompt":"hi","seed":7,"stop":["\n\n"],"temperature":0.5,"top_k":4}"#)

        var chat = config
        chat.api = .chat
        let chatBody = try EndpointClient.renderBody(EndpointCall(prompt: "hi", system: "be brief", decoding: .greedy(maxTokens: 8)),
                                                     config: chat)
        #expect(String(decoding: chatBody, as: UTF8.self) == #"{"max_tokens":8,"messages":[{"content":"be brief","#
            + #""role":"system"},{"content":"hi","role":"user"}],"model":"m","temperature":0}"#)
    }

    @Test func cacheKeyChangesWithEveryResultInput() throws {
        let config = EndpointConfig(baseURL: "http://h/v1", model: "m")
        func key(_ call: EndpointCall, _ config: EndpointConfig = config) throws -> String {
            EndpointClient.cacheKey(endpoint: config.requestURL, model: config.model,
                                    body: try EndpointClient.renderBody(call, config: config),
                                    sampleIndex: call.sampleIndex)
        }
        let base = try key(testCall("q"))
        #expect(base.count == 64 && base.allSatisfy(\.isHexDigit))
        #expect(try key(testCall("q")) == base)
        var otherModel = config
        otherModel.model = "m2"
        var otherHost = config
        otherHost.baseURL = "http://other/v1"
        var chat = config
        chat.api = .chat
        var tuned = config
        tuned.retries = 1
        tuned.requestsPerMinute = 10
        let variants = [
            try key(testCall("q", sampleIndex: 1)), try key(testCall("q", temperature: 0.7)),
            try key(testCall("q2")), try key(testCall("q"), otherModel), try key(testCall("q"), otherHost),
            try key(testCall("q"), chat),
        ]
        #expect(Set(variants + [base]).count == variants.count + 1)
        #expect(try key(testCall("q"), tuned) == base)
    }

    @Test func sameCallTwiceSendsOneRequestAndCachesOnce() async throws {
        let cache = MemoryResponseCache()
        let server = try await FaultServer.start()
        let (client, _) = try makeTestClient(server, cache: cache)
        defer { client.shutdown() }

        let first = try await client.complete(testCall("q"))
        let second = try await client.complete(testCall("q"))
        #expect(first.fromCache == false && second.fromCache == true)
        #expect(first.text == "echo: q" && second.text == first.text)
        #expect(second.promptTokens == first.promptTokens && second.completionTokens == first.completionTokens)
        #expect(server.requestCount == 1)
        #expect(cache.count == 1)
        #expect(client.stats.cacheHits == 1 && client.stats.sent == 1)

        _ = try await client.complete(testCall("q", sampleIndex: 1))
        #expect(server.requestCount == 2 && cache.count == 2)
        await server.stop()
    }

    @Test func cachedResponseIsServedWithoutARequest() async throws {
        let cache = MemoryResponseCache()
        let server = try await FaultServer.start()
        let (client, _) = try makeTestClient(server, cache: cache)
        defer { client.shutdown() }
        let body = try JSONEncoder().encode(CompletionResponseBody(
            id: "c", created: 0, model: "test-model", choices: [.init(index: 0, text: "from cache", finishReason: "stop")],
            usage: nil))
        try cache.store(key: try client.cacheKey(for: testCall("q")), endpoint: "e", model: "test-model",
                        response: CachedResponse(body: body, promptTokens: 11, completionTokens: 3))

        let reply = try await client.complete(testCall("q"))
        #expect(reply == EndpointReply(text: "from cache", finishReason: "stop", promptTokens: 11, completionTokens: 3,
                                       fromCache: true))
        #expect(server.requestCount == 0)
        #expect(client.stats.promptTokens == 0)  // cached calls cost nothing again
        await server.stop()
    }

    @Test func aNewClientOnTheSameCacheSendsNothingAgain() async throws {
        let cache = MemoryResponseCache()
        let server = try await FaultServer.start(script: [.status(500, message: "boom")])
        let calls = (0..<5).map { testCall("question \($0)") }
        let (first, _) = try makeTestClient(server, cache: cache)
        let firstResults = await onDispatchThread { first.completeAll(calls) }
        first.shutdown()
        #expect(server.requestCount == 6)

        let (second, _) = try makeTestClient(server, cache: cache)
        defer { second.shutdown() }
        let secondResults = await onDispatchThread { second.completeAll(calls) }
        #expect(server.requestCount == 6)
        #expect(second.stats.cacheHits == 5 && second.stats.sent == 0)
        #expect(try secondResults.map { try $0.get().text } == firstResults.map { try $0.get().text })
        await server.stop()
    }

    @Test func completeAllKeepsInputOrderAndTheConcurrencyLimit() async throws {
        // Every third request fails once; every request takes a little while so that requests overlap.
        let server = try await FaultServer.start(decide: { index, _ in
            index % 3 == 0 ? .status(500, message: "flaky") : .sleep(seconds: 0.02)
        })
        let (client, _) = try makeTestClient(server, maxConcurrent: 3)
        defer { client.shutdown() }
        let calls = (0..<24).map { testCall("p\($0)") }

        let results = await onDispatchThread { client.completeAll(calls) }
        #expect(try results.map { try $0.get().text } == calls.map { "echo: " + $0.prompt })
        #expect(server.maxInFlight <= 3)
        let stats = client.stats
        #expect(stats.succeeded == 24 && stats.failures == 0)
        #expect(stats.sent == server.requestCount && stats.serverErrors == server.requestCount - 24)
        await server.stop()
    }

    @Test func clientsOfOneEndpointShareTheConcurrencyLimit() async throws {
        let server = try await FaultServer.start(decide: { _, _ in .sleep(seconds: 0.03) })
        let config = EndpointConfig(baseURL: server.baseURL, model: "shared", timeout: 5, maxConcurrent: 2)
        // Real time (the default clock): limits are shared per endpoint.
        let first = try EndpointClient(config: config, cache: nil, environment: [:])
        let second = try EndpointClient(config: config, cache: nil, environment: [:])
        defer {
            first.shutdown()
            second.shutdown()
        }
        let calls = (0..<6).map { testCall("p\($0)") }
        async let a = onDispatchThread { first.completeAll(calls) }
        async let b = onDispatchThread { second.completeAll(calls) }
        let results = await a + b
        #expect(results.allSatisfy { (try? $0.get()) != nil })
        #expect(server.requestCount == 12)
        #expect(server.maxInFlight <= 2)
        await server.stop()
    }

    @Test func completeAllStopsWhenCancelled() async throws {
        // Every answer is far slower than the test: only cancellation can end these calls.
        let server = try await FaultServer.start(decide: { _, _ in .sleep(seconds: 60) })
        let (client, _) = try makeTestClient(server, timeout: 60, maxConcurrent: 2)
        defer { client.shutdown() }
        let calls = (0..<6).map { testCall("p\($0)") }

        let results = await onDispatchThread {
            client.completeAll(calls, isCancelled: { server.requestCount >= 2 })
        }
        #expect(results.count == 6)
        for result in results {
            guard case .failure(let error) = result else {
                Issue.record("expected a cancelled call, got \(result)")
                continue
            }
            #expect(error.kind == .cancelled)
        }
        // The two calls in flight were cut short; the others never reached the server.
        #expect(server.requestCount == 2)
        #expect(client.stats.sent == 2 && client.stats.succeeded == 0)
        await server.stop()
    }

    @Test func requestRateLimiterSpacesCallsAfterTheBurst() async throws {
        let server = try await FaultServer.start()
        let (client, clock) = try makeTestClient(server, requestsPerMinute: 2)
        defer { client.shutdown() }
        for index in 0..<4 {
            _ = try await client.complete(testCall("q\(index)"))
        }
        // A burst of 2, then one request per 30 s on the virtual clock.
        let waits = clock.waits(.requestRate)
        #expect(waits.count == 2)
        #expect(waits.allSatisfy { abs($0 - 30) < 1e-9 })
        #expect(server.requestCount == 4)
        await server.stop()
    }

    @Test func tokenRateLimiterUsesTheEstimateCorrectedByUsage() async throws {
        let server = try await FaultServer.start()
        let (client, clock) = try makeTestClient(server, tokensPerMinute: 100)
        defer { client.shutdown() }
        let prompt = String(repeating: "a", count: 40)  // estimated 10 tokens + max_tokens 50 = 60
        let call = EndpointCall(prompt: prompt, decoding: .greedy(maxTokens: 50))
        _ = try await client.complete(call)
        #expect(clock.waits(.tokenRate).isEmpty)
        // The server reports 40 + 46 = 86 tokens (its usage counts characters): the bucket holds 100 - 86 = 14,
        // so the next 60-token estimate waits for 46 tokens at 100/60 per second.
        _ = try await client.complete(EndpointCall(prompt: prompt, decoding: .greedy(maxTokens: 50), sampleIndex: 1))
        let waits = clock.waits(.tokenRate)
        #expect(waits.count == 1)
        #expect(waits.count == 1 && abs(waits[0] - 46 * 60.0 / 100) < 1e-9)
        await server.stop()
    }

    @Test func usageAndCostAreSummed() async throws {
        let server = try await FaultServer.start()
        let (client, _) = try makeTestClient(
            server, price: .init(promptPerMillion: 2, completionPerMillion: 10))
        defer { client.shutdown() }
        let reply = try await client.complete(testCall("abcd"))
        #expect(reply.promptTokens == 4 && reply.completionTokens == 10)
        let stats = client.stats
        #expect(stats.promptTokens == 4 && stats.completionTokens == 10)
        #expect(abs(stats.estimatedCostUSD - (4 * 2 + 10 * 10) / 1e6) < 1e-15)
        await server.stop()
    }

    @Test func chatCallsGoToChatCompletions() async throws {
        let server = try await FaultServer.start(completion: { "chat says " + $0 })
        let (client, _) = try makeTestClient(server, api: .chat)
        defer { client.shutdown() }
        let reply = try await client.complete(EndpointCall(prompt: "hello", system: "sys", decoding: .greedy(maxTokens: 4)))
        #expect(reply.text == "chat says hello" && reply.finishReason == "stop")
        let request = try #require(server.requests().first)
        #expect(request.path == "/v1/chat/completions")
        #expect(request.headers["content-type"] == "application/json")
        await server.stop()
    }
}
