import AsyncHTTPClient
import Foundation
import LemaCore
import NIOCore
import StageAPI

/// Calls one OpenAI-compatible endpoint: request cache first, then rate limits, a concurrency limit, and retries with
/// exponential backoff and jitter (honouring `Retry-After`).
///
/// One client per endpoint configuration, shared by every worker of a stage (it is thread-safe). On real time, the
/// concurrency and rate limits are shared by every client in the process with the same URL, model and limits, so
/// stages running side by side stay within them together. Call ``shutdown()`` when done (deinit does it too). The API key is read from the environment once, here, and only
/// ever sent in the `Authorization` header: it is not kept in the configuration, errors, stats or the cache.
public final class EndpointClient: Sendable {
    /// The configuration this client calls; fixed for its lifetime.
    public let config: EndpointConfig
    let cache: (any ResponseCache)?
    let http: HTTPClient
    let clock: any EndpointClock
    /// `Bearer <key>` when `api_key_env` is set. Never printed; also used to redact server text quoted in errors.
    private let authorization: String?
    private let secret: String?
    let gate: AsyncGate
    let requestBucket: TokenBucket?
    let tokenBucket: TokenBucket?
    let counters = Locked(EndpointStats())
    private let isShutDown = Locked(false)

    /// Creates a client. Throws an ``EndpointError`` (kind `.configuration`) when `api_key_env` names a variable that
    /// is unset or empty in `environment` (the message names the variable, never a value) or the URL is unusable.
    public init(config: EndpointConfig, cache: (any ResponseCache)?,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                clock: any EndpointClock = SystemEndpointClock()) throws {
        func configurationError(_ detail: String) -> EndpointError {
            EndpointError(kind: .configuration, endpoint: config.requestURL, model: config.model, attempts: 0,
                          detail: detail)
        }
        guard let url = URL(string: config.requestURL), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", url.host?.isEmpty == false
        else {
            throw configurationError("base_url is not an http:// or https:// URL; write e.g. "
                + "base_url: http://127.0.0.1:8080/v1")
        }
        if let name = config.apiKeyEnv {
            guard let key = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !key.isEmpty else {
                throw configurationError("environment variable \(name) (named by api_key_env) is not set or empty; "
                    + "export \(name)=<your key> before running, or remove api_key_env for a server without keys")
            }
            secret = key
            authorization = "Bearer " + key
        } else {
            secret = nil
            authorization = nil
        }
        self.config = config
        self.cache = cache
        self.clock = clock
        // Clients on real time share limits per endpoint; a test clock keeps its own (its time is its own).
        let limits = SharedLimits.limits(for: config, shared: clock is SystemEndpointClock)
        gate = limits.gate
        requestBucket = limits.requests
        tokenBucket = limits.tokens

        var configuration = HTTPClient.Configuration()
        // The per-request deadline covers the time to the response head; the read timeout bounds a body that stalls.
        configuration.timeout = .init(connect: Self.timeAmount(min(max(config.timeout, 1), 10)),
                                      read: Self.timeAmount(config.timeout))
        configuration.connectionPool = .init(idleTimeout: .seconds(60),
                                             concurrentHTTP1ConnectionsPerHostSoftLimit: max(config.maxConcurrent, 1))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    deinit {
        shutdown()
    }

    /// Closes the HTTP client; calls still running fail. Idempotent, never blocks.
    public func shutdown() {
        let first = isShutDown.withLock { (done: inout Bool) -> Bool in
            defer { done = true }
            return !done
        }
        if first { _ = http.shutdown() }
    }

    /// Counters since the client was created.
    public var stats: EndpointStats { counters.current }

    /// Answers `call`: from the request cache when it holds the call (no request sent), else from the server, after
    /// which the response is cached once. Throws only ``EndpointError``.
    public func complete(_ call: EndpointCall) async throws -> EndpointReply {
        let body: Data
        do {
            body = try Self.renderBody(call, config: config)
        } catch {
            throw failure(.configuration, attempts: 0, detail: "could not encode the request body: \(error)")
        }
        let key = Self.cacheKey(endpoint: config.requestURL, model: config.model, body: body,
                                sampleIndex: call.sampleIndex)
        if let cached = try cachedReply(forKey: key) {
            return cached
        }
        return try await send(call, body: body, cacheKey: key)
    }

    /// Blocking bridge for synchronous (Dispatch) workers: runs `calls` concurrently and returns their results in
    /// input order. The work runs on the Swift concurrency pool and NIO's event loops; the calling thread only waits.
    /// Do not call it from async code or from an event loop (it would block a thread those need): use
    /// ``complete(_:)`` there.
    ///
    /// `isCancelled` is polled about every 0.1 s (pass the stage's cancellation flag): once it returns true, calls in
    /// flight, waiting or backing off end at once with a `.cancelled` error; replies already received stay cached.
    public func completeAll(_ calls: [EndpointCall], isCancelled: @escaping @Sendable () -> Bool = { false })
        -> [Result<EndpointReply, EndpointError>] {
        guard !calls.isEmpty else { return [] }
        let results = Locked([Result<EndpointReply, EndpointError>?](repeating: nil, count: calls.count))
        let finished = DispatchSemaphore(value: 0)
        // Enough tasks to keep `maxConcurrent` requests in flight while others sleep in backoff or rate limits.
        let width = min(calls.count, max(config.maxConcurrent, 1) * 2)
        // Set before the work is cancelled: cancelling a task reaches its children one by one, and a call cut short
        // frees its slot at once, so a waiting call could take the slot before its own cancellation flag is set.
        let stopping = Locked(false)
        let work = Task.detached { [self] in
            await Self.$batchStopping.withValue({ stopping.current }) {
            await withTaskGroup(of: (Int, Result<EndpointReply, EndpointError>).self) { group in
                var next = 0
                func addNext() {
                    let index = next
                    let call = calls[index]
                    next += 1
                    group.addTask { (index, await self.result(of: call)) }
                }
                while next < width { addNext() }
                for await (index, result) in group {
                    results.withLock { $0[index] = result }
                    if next < calls.count && !Task.isCancelled { addNext() }
                }
            }
            }
            finished.signal()
        }
        var cancelled = false
        while finished.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
            if !cancelled && isCancelled() {
                cancelled = true
                stopping.withLock { $0 = true }
                work.cancel()
            }
        }
        return results.current.map { result in
            result ?? .failure(failure(.cancelled, attempts: 0, detail: "cancelled before the call was made"))
        }
    }

    /// True once the `completeAll` batch this task belongs to is being cancelled (nil outside a batch).
    @TaskLocal static var batchStopping: (@Sendable () -> Bool)?

    /// One call through the blocking bridge (see ``completeAll(_:)``).
    public func completeBlocking(_ call: EndpointCall) -> Result<EndpointReply, EndpointError> {
        completeAll([call])[0]
    }

    private func result(of call: EndpointCall) async -> Result<EndpointReply, EndpointError> {
        do {
            return .success(try await complete(call))
        } catch let error as EndpointError {
            return .failure(error)
        } catch {
            return .failure(failure(.cancelled, attempts: 0, detail: redacted(String(describing: error))))
        }
    }

    // MARK: Cache

    private func cachedReply(forKey key: String) throws -> EndpointReply? {
        guard let cache else { return nil }
        let cached: CachedResponse?
        do {
            cached = try cache.response(forKey: key)
        } catch {
            throw failure(.cache, attempts: 0, detail: redacted(String(describing: error)))
        }
        // A cached body that no longer decodes is treated as a miss: the call is made again.
        guard let cached, case .success(var reply) = ReplyDecoding.decode(cached.body, api: config.api) else {
            return nil
        }
        reply.fromCache = true
        reply.promptTokens = cached.promptTokens
        reply.completionTokens = cached.completionTokens
        counters.withLock { $0.cacheHits += 1 }
        return reply
    }

    private func store(_ body: Data, reply: EndpointReply, forKey key: String) throws {
        guard let cache else { return }
        do {
            try cache.store(key: key, endpoint: config.requestURL, model: config.model,
                            response: CachedResponse(body: body, promptTokens: reply.promptTokens,
                                                     completionTokens: reply.completionTokens))
        } catch {
            throw failure(.cache, attempts: 0, detail: redacted(String(describing: error)))
        }
    }

    // MARK: Helpers shared with the retry loop

    func failure(_ kind: EndpointError.Kind, attempts: Int, detail: String) -> EndpointError {
        EndpointError(kind: kind, endpoint: config.requestURL, model: config.model, attempts: attempts,
                      detail: detail)
    }

    /// `text` with the API key replaced, for anything quoted from a server or an underlying error.
    func redacted(_ text: String) -> String {
        guard let secret, !secret.isEmpty else { return text }
        return text.replacingOccurrences(of: secret, with: "<redacted>")
    }

    var authorizationHeader: String? { authorization }

    var shutDown: Bool { isShutDown.current }

    /// Records a successful reply: stats, the token limiter's correction, the cache.
    func accept(_ reply: EndpointReply, body: Data, estimatedTokens: Int, cacheKey: String) throws {
        if let tokenBucket, reply.promptTokens + reply.completionTokens > 0 {
            tokenBucket.adjust(by: Double(reply.promptTokens + reply.completionTokens - estimatedTokens),
                               now: clock.now())
        }
        counters.withLock { stats in
            stats.succeeded += 1
            stats.promptTokens += reply.promptTokens
            stats.completionTokens += reply.completionTokens
            if let price = config.price {
                stats.estimatedCostUSD += price.cost(promptTokens: reply.promptTokens,
                                                     completionTokens: reply.completionTokens)
            }
        }
        try store(body, reply: reply, forKey: cacheKey)
    }

    static func timeAmount(_ seconds: Double) -> TimeAmount {
        .nanoseconds(Int64(min(max(seconds, 0.001), 86_400) * 1e9))
    }
}
