import Foundation
import StageAPI
import Testing
@testable import Endpoint

@Suite("Endpoint faults: retries, backoff, Retry-After, last-try failure")
struct FaultRecoveryTests {
    struct FaultCase: Sendable, CustomTestStringConvertible {
        var action: FaultAction
        var counter: String
        var testDescription: String { "\(action) → \(counter)" }
    }

    static let faults: [FaultCase] = [
        .init(action: .rateLimit(retryAfter: nil), counter: "rateLimited"),
        .init(action: .status(500, message: "boom"), counter: "serverErrors"),
        .init(action: .status(503, message: "overloaded"), counter: "serverErrors"),
        .init(action: .status(408, message: "request timeout"), counter: "clientErrors"),
        .init(action: .sleep(seconds: 30), counter: "timeouts"),
        .init(action: .truncatedJSON, counter: "malformed"),
        .init(action: .garbage, counter: "malformed"),
        .init(action: .noChoices, counter: "malformed"),
    ]

    @Test(arguments: faults)
    func eachFaultIsRetriedAndCounted(_ fault: FaultCase) async throws {
        // A first valid call warms the connection up, so that only the scripted slow answers can time out.
        let server = try await FaultServer.start(script: [.valid, fault.action, fault.action])
        let (client, clock) = try makeTestClient(server, timeout: fault.counter == "timeouts" ? 1 : 5)
        defer { client.shutdown() }
        _ = try await client.complete(testCall("warm-up"))

        let reply = try await client.complete(testCall("2+2"))
        #expect(reply.text == "echo: 2+2")
        #expect(reply.fromCache == false)
        let stats = client.stats
        #expect(stats.succeeded == 2 && stats.failures == 0)
        #expect(stats.sent == server.requestCount)
        #expect(stats.failedAttempts == counter(fault.counter, of: stats), "\(stats)")
        let backoffs = clock.waits(.backoff)
        #expect(backoffs.count == stats.failedAttempts)
        if fault.counter == "timeouts" {
            // On a loaded machine an extra attempt may time out too; at least the two slow answers did.
            #expect(stats.timeouts >= 2, "\(stats)")
        } else {
            #expect(counter(fault.counter, of: stats) == 2, "\(stats)")
            #expect(server.requestCount == 4)
        }
        // The second backoff follows a doubled base (jitter keeps each in [0.5, 1] of the nominal value).
        #expect(backoffs.count >= 2 && (0.005...0.01).contains(backoffs[0]) && (0.01...0.02).contains(backoffs[1]))
        await server.stop()
    }

    @Test func everyFaultKindInOneCallIsCountedOnce() async throws {
        let script: [FaultAction] = [
            .valid, .rateLimit(retryAfter: "1"), .status(500, message: "boom"), .sleep(seconds: 30), .truncatedJSON,
            .garbage, .noChoices,
        ]
        let server = try await FaultServer.start(script: script)
        let (client, _) = try makeTestClient(server, retries: script.count + 2, timeout: 1)
        defer { client.shutdown() }
        _ = try await client.complete(testCall("warm-up"))  // so that only the slow answer can time out

        let reply = try await client.complete(testCall("q"))
        #expect(reply.text == "echo: q")
        let stats = client.stats
        // On a loaded machine an extra attempt may time out too (with 8 retries the call still succeeds).
        #expect(stats.rateLimited == 1 && stats.serverErrors == 1 && stats.timeouts >= 1 && stats.malformed == 3,
                "\(stats)")
        #expect(stats.sent == 7 + stats.timeouts && stats.succeeded == 2 && stats.failures == 0)
        #expect(server.requestCount == stats.sent)
        await server.stop()
    }

    @Test(arguments: [
        (FaultAction.rateLimit(retryAfter: "2"), 2.0),
        (FaultAction.status(503, message: "busy", retryAfter: "1.5"), 1.5),
        (FaultAction.rateLimit(retryAfter: "3600"), 300.0),  // capped at max(backoff_max, 300)
    ])
    func retryAfterIsHonoured(action: FaultAction, expectedWait: Double) async throws {
        let server = try await FaultServer.start(script: [action])
        let (client, clock) = try makeTestClient(server)
        defer { client.shutdown() }

        _ = try await client.complete(testCall("q"))
        #expect(clock.waits(.retryAfter) == [expectedWait])
        #expect(clock.waits(.backoff).isEmpty)
        #expect(server.requestCount == 2)
        await server.stop()
    }

    @Test func retryAfterHTTPDateIsReadRelativeToNow() {
        let now = Date(timeIntervalSince1970: 1_445_412_480)  // Wed, 21 Oct 2015 07:28:00 GMT
        #expect(RetryAfter.seconds("Wed, 21 Oct 2015 07:28:30 GMT", now: now) == 30)
        #expect(RetryAfter.seconds("Wed, 21 Oct 2015 07:27:00 GMT", now: now) == 0)
        #expect(RetryAfter.seconds(" 7 ", now: now) == 7)
        #expect(RetryAfter.seconds("soon", now: now) == nil)
        #expect(RetryAfter.seconds(nil, now: now) == nil)
    }

    @Test func lastTryFailureNamesEndpointAttemptsAndServerText() async throws {
        let server = try await FaultServer.start(decide: { _, _ in .status(503, message: "overloaded") })
        let (client, _) = try makeTestClient(server, retries: 2)
        defer { client.shutdown() }

        let error = await #expect(throws: EndpointError.self) { try await client.complete(testCall("q")) }
        #expect(error?.kind == .gaveUp)
        #expect(error?.attempts == 3)
        #expect(error?.description == "endpoint \(server.baseURL)/completions (model test-model): gave up after 3 "
            + #"attempts: last error: HTTP 503: {"error":{"message":"overloaded","type":"server_error"}}"#)
        #expect(server.requestCount == 3)
        let stats = client.stats
        #expect(stats.serverErrors == 3 && stats.failures == 1 && stats.succeeded == 0)
        await server.stop()
    }

    @Test func longServerTextIsCutTo200Characters() async throws {
        let long = String(repeating: "x", count: 500)
        let server = try await FaultServer.start(decide: { _, _ in .status(500, message: long) })
        let (client, _) = try makeTestClient(server, retries: 0)
        defer { client.shutdown() }

        let error = await #expect(throws: EndpointError.self) { try await client.complete(testCall("q")) }
        let prefix = #"{"error":{"message":""#
        #expect(error?.detail == "HTTP 500: " + prefix + String(repeating: "x", count: 200 - prefix.count) + "…")
        await server.stop()
    }

    @Test(arguments: [400, 401, 404, 422])
    func clientErrorsAreNotRetried(status: Int) async throws {
        let server = try await FaultServer.start(script: [.status(status, message: "max_tokens is too large")])
        let (client, clock) = try makeTestClient(server)
        defer { client.shutdown() }

        let error = await #expect(throws: EndpointError.self) { try await client.complete(testCall("q")) }
        #expect(error?.kind == .rejected(status: status))
        #expect(error?.description == "endpoint \(server.baseURL)/completions (model test-model): request rejected "
            + "with HTTP \(status) (not retried; fix the request or the endpoint settings): max_tokens is too large")
        #expect(server.requestCount == 1)
        #expect(clock.waits.isEmpty)
        #expect(client.stats.clientErrors == 1 && client.stats.failures == 1)
        await server.stop()
    }

    @Test func transportErrorsAreRetriedThenReported() async throws {
        let server = try await FaultServer.start()
        // A short timeout: the HTTP client keeps trying to connect until the request's deadline.
        let (client, _) = try makeTestClient(server, retries: 1, timeout: 0.3)
        defer { client.shutdown() }
        await server.stop()  // nothing listens any more: connection refused

        let error = await #expect(throws: EndpointError.self) { try await client.complete(testCall("q")) }
        #expect(error?.kind == .gaveUp)
        #expect(error?.detail.hasPrefix("transport error: ") == true)
        #expect(client.stats.transportErrors == 2 && client.stats.failures == 1)
    }

    @Test func shutdownIsIdempotentAndFailsLaterCalls() async throws {
        let server = try await FaultServer.start()
        let (client, _) = try makeTestClient(server)
        client.shutdown()
        client.shutdown()
        let error = await #expect(throws: EndpointError.self) { try await client.complete(testCall("q")) }
        #expect(error?.kind == .cancelled)
        #expect(server.requestCount == 0)
        await server.stop()
    }
}
