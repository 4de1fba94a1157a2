import Foundation
import LemaCore
import StageAPI

/// Token usage of the responses one node fetched from model endpoints.
public struct ResponseUsage: Sendable, Hashable {
    /// Cached responses first fetched by the node (a cache hit is not counted again).
    public var responses: Int
    /// Prompt tokens summed over those responses, as the endpoint reported them.
    public var promptTokens: Int
    /// Completion tokens summed over those responses, as the endpoint reported them.
    public var completionTokens: Int

    /// Estimated USD from a stage's `endpoint.price` (`{prompt_per_million, completion_per_million}`), or nil
    /// without a price. `lema status` and `lema ui` both show it.
    public func cost(price: JSONValue?) -> Double? {
        guard let price = price?.objectValue else { return nil }
        let p = price["prompt_per_million"]?.doubleValue ?? 0
        let c = price["completion_per_million"]?.doubleValue ?? 0
        return (Double(promptTokens) * p + Double(completionTokens) * c) / 1_000_000
    }
}

/// The request cache: responses of model endpoints, written through at once (not buffered) because a cached
/// response is a promise that the request is never paid for again, even if the process dies a moment later.
extension Store {
    /// The cache as a `ResponseCache` whose new entries are attributed to `node`.
    public func responseCache(for node: String) -> any ResponseCache {
        StoreResponseCache(store: self, node: node)
    }

    /// The cached response for `key`, if any.
    public func cachedResponse(_ key: String) throws -> CachedResponse? {
        try readUnbuffered { db in
            var found: CachedResponse?
            try db.query("SELECT body, prompt_tokens, completion_tokens FROM responses WHERE key = ?", [.text(key)]) {
                found = CachedResponse(body: $0.blob(0), promptTokens: Int($0.int64(1)), completionTokens: Int($0.int64(2)))
            }
            return found
        }
    }

    /// Stores a response durably (committed on return); an existing entry for `key` is kept.
    public func storeResponse(_ response: CachedResponse, key: String, node: String, endpoint: String, model: String) throws {
        try write { db in
            try db.run("""
                INSERT OR IGNORE INTO responses(key, node, endpoint, model, body, prompt_tokens, completion_tokens, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(key), .text(node), .text(endpoint), .text(model), .blob(response.body),
                      .int(Int64(response.promptTokens)), .int(Int64(response.completionTokens)), .date(Date())])
        }
    }

    /// Responses fetched per node: node fingerprint → count and tokens.
    public func responseUsage() throws -> [String: ResponseUsage] {
        try read { db in try Self.responseUsage(db) }
    }

    /// Responses per node; shared with `StoreReader`.
    static func responseUsage(_ db: SQLiteConnection) throws -> [String: ResponseUsage] {
        var usage: [String: ResponseUsage] = [:]
        try db.query("""
            SELECT node, count(*), sum(prompt_tokens), sum(completion_tokens) FROM responses GROUP BY node
            """) { row in
            usage[row.text(0)] = ResponseUsage(responses: Int(row.int64(1)), promptTokens: Int(row.int64(2)),
                                               completionTokens: Int(row.int64(3)))
        }
        return usage
    }

    /// Every cached response's key (for audits and tests).
    public func responseKeys() throws -> [String] {
        try read { db in
            var keys: [String] = []
            try db.query("SELECT key FROM responses ORDER BY key") { keys.append($0.text(0)) }
            return keys
        }
    }

    /// Number of cached responses.
    public func responseCount() throws -> Int {
        try read { Int(try $0.scalarInt("SELECT count(*) FROM responses") ?? 0) }
    }
}

/// `ResponseCache` over the store for one node.
final class StoreResponseCache: ResponseCache {
    let store: Store
    let node: String

    init(store: Store, node: String) {
        self.store = store
        self.node = node
    }

    func response(forKey key: String) throws -> CachedResponse? { try store.cachedResponse(key) }

    func store(key: String, endpoint: String, model: String, response: CachedResponse) throws {
        try store.storeResponse(response, key: key, node: node, endpoint: endpoint, model: model)
    }
}
