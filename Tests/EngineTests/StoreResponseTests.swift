import Foundation
import StageAPI
import Testing
@testable import Engine

private typealias Fx = StoreFixtures

@Suite("Store response cache")
struct StoreResponseTests {
    /// A stored response is visible to another connection at once (written through, not buffered) and survives
    /// closing the store: the promise that a crashed run never sends that request again.
    @Test func storedResponsesAreDurableAtOnce() throws {
        try Fx.withTemporaryDirectory { dir in
            let writer = try Store(path: Fx.storeURL(dir), options: StoreOptions(batchSize: 1000, maxDelay: 3600))
            let observer = try Store(path: Fx.storeURL(dir))
            defer { try? observer.close() }
            let cache = writer.responseCache(for: Fx.fingerprint("s"))
            #expect(try cache.response(forKey: "k1") == nil)
            let response = CachedResponse(body: Fx.bytes("{\"choices\":[]}"), promptTokens: 12, completionTokens: 30)
            try cache.store(key: "k1", endpoint: "http://127.0.0.1:9/v1/completions", model: "m", response: response)
            #expect(try observer.cachedResponse("k1") == response)
            try writer.close()
            let reopened = try Store(path: Fx.storeURL(dir))
            defer { try? reopened.close() }
            #expect(try reopened.cachedResponse("k1") == response)
        }
    }

    /// The first response stored under a key wins, and usage is counted per node that fetched it.
    @Test func firstResponseWinsAndUsageIsPerNode() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            let a = Fx.fingerprint("a"), b = Fx.fingerprint("b")
            let first = CachedResponse(body: Fx.bytes("first"), promptTokens: 10, completionTokens: 5)
            try store.responseCache(for: a).store(key: "k", endpoint: "e", model: "m", response: first)
            try store.responseCache(for: b).store(key: "k", endpoint: "e", model: "m",
                                                  response: CachedResponse(body: Fx.bytes("second"), promptTokens: 1, completionTokens: 1))
            try store.responseCache(for: b).store(key: "k2", endpoint: "e", model: "m",
                                                  response: CachedResponse(body: Fx.bytes("x"), promptTokens: 7, completionTokens: 3))
            #expect(try store.cachedResponse("k") == first)
            #expect(try store.responseCount() == 2)
            let usage = try store.responseUsage()
            #expect(usage[a] == ResponseUsage(responses: 1, promptTokens: 10, completionTokens: 5))
            #expect(usage[b] == ResponseUsage(responses: 1, promptTokens: 7, completionTokens: 3))
        }
    }
}
