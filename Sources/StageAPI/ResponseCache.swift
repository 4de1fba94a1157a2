import Foundation

/// A model response kept in the run's store, so that a resumed or re-run stage never pays twice for the same call.
public struct CachedResponse: Sendable, Hashable {
    /// The response body exactly as received (the JSON the server sent).
    public var body: Data
    /// Prompt tokens the server reported (0 when it reported none).
    public var promptTokens: Int
    /// Completion tokens the server reported (0 when it reported none).
    public var completionTokens: Int

    /// A response as received, with its reported usage.
    public init(body: Data, promptTokens: Int, completionTokens: Int) {
        self.body = body
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// Durable request → response cache shared by every node of a run (a response cached by one stage serves an equal
/// request from another). Keys are opaque digests computed by the caller over (endpoint, model, rendered request
/// body); they never contain secrets. Thread-safe.
public protocol ResponseCache: AnyObject, Sendable {
    /// The cached response for `key`, if any.
    func response(forKey key: String) throws -> CachedResponse?
    /// Stores a successful response; it is durable when this returns. Storing a key twice keeps the first response.
    /// `endpoint` and `model` are kept for `lema status` and cost estimates (never an API key).
    func store(key: String, endpoint: String, model: String, response: CachedResponse) throws
}

/// A cache that lives only as long as the process: for contexts without a store (tests, one-off tools).
public final class MemoryResponseCache: ResponseCache, @unchecked Sendable {
    // Guarded by `lock`: the only mutable state.
    private var entries: [String: CachedResponse] = [:]
    private let lock = NSLock()

    /// An empty cache.
    public init() {}

    /// The cached response for `key`, if any.
    public func response(forKey key: String) throws -> CachedResponse? {
        lock.lock()
        defer { lock.unlock() }
        return entries[key]
    }

    /// Keeps the first response stored under `key` (`endpoint` and `model` are not kept here).
    public func store(key: String, endpoint: String, model: String, response: CachedResponse) throws {
        lock.lock()
        defer { lock.unlock() }
        if entries[key] == nil { entries[key] = response }
    }

    /// Number of stored responses.
    public var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }
}
