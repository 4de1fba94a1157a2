import Foundation
import StageAPI
import Testing
@testable import Endpoint

@Suite("EndpointClient: request cache failures")
struct ClientCacheFailureTests {
    /// A store that cannot be read or written.
    final class BrokenCache: ResponseCache, @unchecked Sendable {
        struct Broken: Error, CustomStringConvertible {
            var description: String { "disk I/O error" }
        }

        let failReads: Bool

        init(failReads: Bool) {
            self.failReads = failReads
        }

        func response(forKey key: String) throws -> CachedResponse? {
            if failReads { throw Broken() }
            return nil
        }

        func store(key: String, endpoint: String, model: String, response: CachedResponse) throws {
            throw Broken()
        }
    }

    @Test(arguments: [true, false])
    func aFailingCacheFailsTheCallWithACacheError(failReads: Bool) async throws {
        let server = try await FaultServer.start()
        let (client, _) = try makeTestClient(server, cache: BrokenCache(failReads: failReads))
        defer { client.shutdown() }
        let error = await #expect(throws: EndpointError.self) { try await client.complete(testCall("q")) }
        #expect(error?.kind == .cache)
        #expect(error?.description == "endpoint \(server.baseURL)/completions (model test-model): request cache "
            + "failed: disk I/O error")
        // A failed read sends nothing; a failed write comes after the (single) request.
        #expect(server.requestCount == (failReads ? 0 : 1))
        await server.stop()
    }

    @Test func anUnreadableCachedBodyIsAMissAndTheCallIsMadeAgain() async throws {
        let cache = MemoryResponseCache()
        let server = try await FaultServer.start()
        let (client, _) = try makeTestClient(server, cache: cache)
        defer { client.shutdown() }
        try cache.store(key: try client.cacheKey(for: testCall("q")), endpoint: "e", model: "test-model",
                        response: CachedResponse(body: Data("{\"choices\": [".utf8), promptTokens: 0,
                                                 completionTokens: 0))
        let reply = try await client.complete(testCall("q"))
        #expect(reply.text == "echo: q" && reply.fromCache == false)
        #expect(server.requestCount == 1)
        #expect(client.stats.cacheHits == 0)
        await server.stop()
    }
}
