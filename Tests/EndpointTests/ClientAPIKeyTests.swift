import Foundation
import StageAPI
import Testing
@testable import Endpoint

@Suite("EndpointClient: the API key is sent, and never shown")
struct ClientAPIKeyTests {
    static let key = "sk-test-4f1d2c3b5a69"
    static let environment = ["LEMA_TEST_API_KEY": key]

    @Test func keyIsSentAsBearerHeader() async throws {
        let server = try await FaultServer.start()
        let (client, _) = try makeTestClient(server, apiKeyEnv: "LEMA_TEST_API_KEY", environment: Self.environment)
        defer { client.shutdown() }
        _ = try await client.complete(testCall("q"))
        let request = try #require(server.requests().first)
        #expect(request.headers["authorization"] == "Bearer \(Self.key)")
        await server.stop()
    }

    @Test func noHeaderWithoutApiKeyEnv() async throws {
        let server = try await FaultServer.start()
        let (client, _) = try makeTestClient(server, environment: Self.environment)
        defer { client.shutdown() }
        _ = try await client.complete(testCall("q"))
        let request = try #require(server.requests().first)
        #expect(request.headers["authorization"] == nil)
        await server.stop()
    }

    @Test(arguments: [[:], ["LEMA_TEST_API_KEY": "  "]])
    func missingVariableIsNamedNotValued(environment: [String: String]) async throws {
        let config = EndpointConfig(baseURL: "http://127.0.0.1:9/v1", model: "m", apiKeyEnv: "LEMA_TEST_API_KEY")
        let error = #expect(throws: EndpointError.self) {
            try EndpointClient(config: config, cache: nil, environment: environment)
        }
        #expect(error?.kind == .configuration)
        #expect(error?.description == "endpoint http://127.0.0.1:9/v1/completions (model m): environment variable "
            + "LEMA_TEST_API_KEY (named by api_key_env) is not set or empty; export LEMA_TEST_API_KEY=<your key> "
            + "before running, or remove api_key_env for a server without keys")
    }

    @Test func keyNeverAppearsInErrorsStatsOrCache() async throws {
        // A badly behaved proxy that echoes the key in its errors: 503 then 400, both quoting it.
        let server = try await FaultServer.start(decide: { index, request in
            let echoed = "bad auth header: " + (request.headers["authorization"] ?? "none")
            switch index {
            case 0: return .valid
            case 1, 2: return .status(503, message: echoed)
            default: return .status(400, message: echoed)
            }
        })
        let cache = MemoryResponseCache()
        let (client, _) = try makeTestClient(server, retries: 1, apiKeyEnv: "LEMA_TEST_API_KEY",
                                             environment: Self.environment, cache: cache)
        defer { client.shutdown() }

        _ = try await client.complete(testCall("ok"))
        let gaveUp = await #expect(throws: EndpointError.self) { try await client.complete(testCall("busy")) }
        let rejected = await #expect(throws: EndpointError.self) { try await client.complete(testCall("bad")) }
        #expect(server.requestCount == 4)
        // The server did see the key: the redaction is what keeps it out of the messages.
        #expect(server.requests().allSatisfy { $0.headers["authorization"] == "Bearer \(Self.key)" })

        let texts = [
            gaveUp.map(String.init(describing:)) ?? "", rejected.map(String.init(describing:)) ?? "",
            String(describing: client.stats), String(describing: client.config), String(reflecting: client.config),
        ]
        for text in texts {
            #expect(!text.contains(Self.key), "key leaked into: \(text)")
        }
        #expect(gaveUp?.detail.contains("bad auth header: Bearer <redacted>") == true)
        #expect(rejected?.description.hasSuffix("bad auth header: Bearer <redacted>") == true)

        let stored = try #require(try cache.response(forKey: try client.cacheKey(for: testCall("ok"))))
        #expect(!String(decoding: stored.body, as: UTF8.self).contains(Self.key))
        await server.stop()
    }
}
