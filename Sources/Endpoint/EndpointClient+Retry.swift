import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// What one HTTP attempt came to.
enum AttemptOutcome {
    case success(EndpointReply, body: Data)
    /// Worth another try; `retryAfter` is the server's `Retry-After` in seconds, if it sent one; `refused` says the
    /// server declined before generating anything (429), so the attempt used no tokens.
    case retryable(detail: String, retryAfter: Double?, refused: Bool = false)
    /// A 4xx that retrying cannot fix.
    case rejected(status: Int, detail: String)
    case cancelled(detail: String)
}

extension EndpointClient {
    /// The longest `Retry-After` honoured, in seconds: a server asking for more is retried after this long.
    var retryAfterCap: Double { max(config.backoffMax, 300) }

    /// Largest response body accepted.
    static let maxResponseBytes = 32 << 20

    /// The retry loop: rate limits, then one attempt under the concurrency limit, then backoff.
    func send(_ call: EndpointCall, body: Data, cacheKey: String) async throws -> EndpointReply {
        let attempts = max(config.attempts, 1)
        let estimatedTokens = call.estimatedTokens
        var lastDetail = "no attempt made"
        for attempt in 1...attempts {
            if shutDown || Task.isCancelled {
                throw failure(.cancelled, attempts: attempt - 1,
                              detail: shutDown ? "the client was shut down" : "the task was cancelled")
            }
            try await waitForRateLimits(estimatedTokens: estimatedTokens, attempt: attempt)

            await gate.acquire()
            if Task.isCancelled || Self.batchStopping?() == true {
                // Cancelled while waiting for a free slot: do not send.
                gate.release()
                throw failure(.cancelled, attempts: attempt - 1, detail: "the task was cancelled")
            }
            counters.withLock { $0.sent += 1 }
            let outcome = await attemptOnce(body: body)
            gate.release()

            switch outcome {
            case .success(let reply, let responseBody):
                try accept(reply, body: responseBody, estimatedTokens: estimatedTokens, cacheKey: cacheKey)
                return reply
            case .rejected(let status, let detail):
                counters.withLock { $0.failures += 1 }
                throw failure(.rejected(status: status), attempts: attempt, detail: detail)
            case .cancelled(let detail):
                throw failure(.cancelled, attempts: attempt, detail: detail)
            case .retryable(let detail, let retryAfter, let refused):
                lastDetail = detail
                if refused, let tokenBucket {
                    // The tokens reserved for this attempt were not used: give them back.
                    tokenBucket.adjust(by: -Double(estimatedTokens), now: clock.now())
                }
                guard attempt < attempts else { break }
                let backoff = backoffSeconds(afterAttempt: attempt)
                if let retryAfter {
                    try await pause(max(min(retryAfter, retryAfterCap), backoff), reason: .retryAfter, attempt: attempt)
                } else {
                    try await pause(backoff, reason: .backoff, attempt: attempt)
                }
            }
        }
        counters.withLock { $0.failures += 1 }
        throw failure(.gaveUp, attempts: attempts, detail: lastDetail)
    }

    /// `backoffBase · 2^(attempt-1)`, capped at `backoffMax`, times a jitter factor in [0.5, 1] so that many calls
    /// failing together do not come back together.
    func backoffSeconds(afterAttempt attempt: Int) -> Double {
        let exponential = config.backoffBase * pow(2, Double(min(attempt - 1, 30)))
        return min(exponential, config.backoffMax) * Double.random(in: 0.5...1)
    }

    private func pause(_ seconds: Double, reason: EndpointWait, attempt: Int) async throws {
        guard seconds > 0 else { return }
        do {
            try await clock.sleep(seconds: seconds, reason: reason)
        } catch {
            throw failure(.cancelled, attempts: attempt, detail: "cancelled while waiting to retry")
        }
    }

    private func waitForRateLimits(estimatedTokens: Int, attempt: Int) async throws {
        if let requestBucket {
            try await pause(requestBucket.reserve(1, now: clock.now()), reason: .requestRate, attempt: attempt - 1)
        }
        if let tokenBucket {
            try await pause(tokenBucket.reserve(Double(estimatedTokens), now: clock.now()), reason: .tokenRate,
                            attempt: attempt - 1)
        }
    }

    /// One HTTP request, classified and counted. Never throws: every failure becomes an outcome.
    private func attemptOnce(body: Data) async -> AttemptOutcome {
        var request = HTTPClientRequest(url: config.requestURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        if let authorizationHeader { request.headers.add(name: "Authorization", value: authorizationHeader) }
        request.body = .bytes(ByteBuffer(bytes: body))

        let status: Int
        let headers: HTTPHeaders
        let responseBody: Data
        do {
            let response = try await http.execute(request, deadline: .now() + Self.timeAmount(config.timeout))
            status = Int(response.status.code)
            headers = response.headers
            let buffer = try await response.body.collect(upTo: Self.maxResponseBytes)
            responseBody = Data(buffer.readableBytesView)
        } catch {
            return classify(error)
        }

        switch status {
        case 200..<300:
            switch ReplyDecoding.decode(responseBody, api: config.api) {
            case .success(let reply):
                return .success(reply, body: responseBody)
            case .failure(let why):
                counters.withLock { $0.malformed += 1 }
                return .retryable(detail: "malformed response (\(why)): \(quote(responseBody))", retryAfter: nil)
            }
        case 429:
            counters.withLock { $0.rateLimited += 1 }
            return .retryable(detail: "HTTP 429: \(quote(responseBody))",
                              retryAfter: RetryAfter.seconds(headers.first(name: "Retry-After")), refused: true)
        case 408, 409:
            counters.withLock { $0.clientErrors += 1 }
            return .retryable(detail: "HTTP \(status): \(quote(responseBody))", retryAfter: nil)
        case 400..<500:
            counters.withLock { $0.clientErrors += 1 }
            return .rejected(status: status, detail: serverMessage(responseBody))
        case 500..<600:
            counters.withLock { $0.serverErrors += 1 }
            let retryAfter = status == 503 ? RetryAfter.seconds(headers.first(name: "Retry-After")) : nil
            return .retryable(detail: "HTTP \(status): \(quote(responseBody))", retryAfter: retryAfter)
        default:
            counters.withLock { $0.malformed += 1 }
            return .retryable(detail: "unexpected HTTP \(status): \(quote(responseBody))", retryAfter: nil)
        }
    }

    private func classify(_ error: any Error) -> AttemptOutcome {
        if Task.isCancelled || error is CancellationError {
            return .cancelled(detail: "the task was cancelled")
        }
        if let error = error as? HTTPClientError {
            if error == .alreadyShutdown {
                return .cancelled(detail: "the client was shut down")
            }
            if [.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout].contains(error) {
                counters.withLock { $0.timeouts += 1 }
                return .retryable(detail: "no complete response within \(config.timeout) s (timeout)",
                                  retryAfter: nil)
            }
        }
        counters.withLock { $0.transportErrors += 1 }
        return .retryable(detail: "transport error: \(redacted(String(describing: error)).clipped(to: 200))",
                          retryAfter: nil)
    }

    /// The first 200 characters of a body, redacted, for messages.
    private func quote(_ body: Data) -> String {
        let text = String(decoding: body, as: UTF8.self)
        return text.isEmpty ? "(empty body)" : redacted(text).clipped(to: 200)
    }

    /// The server's own error message (`{"error": {"message": …}}`) when it sent one, else the quoted body.
    private func serverMessage(_ body: Data) -> String {
        if let error = try? JSONDecoder().decode(ServerErrorBody.self, from: body) {
            return redacted(error.error.message).clipped(to: 500)
        }
        return quote(body)
    }
}

/// `{"error": {"message": …}}`, read leniently (servers differ in the other fields of `ErrorResponseBody`).
private struct ServerErrorBody: Decodable {
    struct Detail: Decodable {
        var message: String
    }

    var error: Detail
}
