import LemaCore

/// One model call: a prompt and its sampling parameters.
///
/// `sampleIndex` tells apart the k samples drawn for the same prompt: it is part of the cache key (not of the body),
/// so sample 3 of a question is cached separately from sample 2 even at the same seed.
public struct EndpointCall: Sendable, Hashable {
    /// For `.completions` the prompt; for `.chat` the single user message.
    public var prompt: String
    /// Chat only: an optional system message sent before the user message (ignored by `.completions`).
    public var system: String?
    /// Max tokens, temperature (0 = greedy), top-k, top-p and stop strings, sent as the request's fields.
    public var decoding: DecodingSettings
    /// Sent as the request's `seed` (left out when nil); part of the cache key through the body.
    public var seed: Int64?
    /// Which of the k samples for this prompt (0-based); part of the cache key only, never sent.
    public var sampleIndex: Int

    /// A call with no system message, no seed, sample 0 unless given.
    public init(prompt: String, system: String? = nil, decoding: DecodingSettings, seed: Int64? = nil,
                sampleIndex: Int = 0) {
        self.prompt = prompt
        self.system = system
        self.decoding = decoding
        self.seed = seed
        self.sampleIndex = sampleIndex
    }

    /// Tokens this call may use, estimated before sending (about 4 characters per token, plus the whole budget).
    var estimatedTokens: Int {
        (prompt.utf8.count + (system?.utf8.count ?? 0) + 3) / 4 + max(decoding.maxTokens, 0)
    }
}

/// The model's answer to one call.
public struct EndpointReply: Sendable, Hashable {
    /// The generated text (first choice).
    public var text: String
    /// "stop", "length", … as the server reported it.
    public var finishReason: String?
    /// Token usage the server reported (0 when it reported none).
    public var promptTokens: Int
    /// Generated tokens the server reported (0 when it reported none).
    public var completionTokens: Int
    /// True when the reply came from the request cache and no request was sent.
    public var fromCache: Bool

    /// A reply as parsed from the server's body or read back from the cache.
    public init(text: String, finishReason: String?, promptTokens: Int, completionTokens: Int, fromCache: Bool) {
        self.text = text
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.fromCache = fromCache
    }
}

/// Counters of one client since it was created. Failed attempts are counted by cause; `failures` counts calls that
/// still failed after their last attempt (or were rejected with a 4xx).
public struct EndpointStats: Sendable, Hashable {
    /// HTTP requests sent (every attempt).
    public var sent = 0
    /// Calls answered by the server with a well-formed reply.
    public var succeeded = 0
    /// Calls answered from the request cache (no request sent).
    public var cacheHits = 0
    /// Attempts answered with 429.
    public var rateLimited = 0
    /// Attempts answered with 5xx.
    public var serverErrors = 0
    /// Attempts answered with another 4xx (408 and 409 are retried, the others fail the call at once).
    public var clientErrors = 0
    /// Attempts that ran past the timeout.
    public var timeouts = 0
    /// Attempts answered with 2xx but a body that is not a usable reply (truncated JSON, garbage, no choices).
    public var malformed = 0
    /// Attempts that failed below HTTP (connection refused or reset, …).
    public var transportErrors = 0
    /// Calls that failed for good.
    public var failures = 0
    /// Reported usage of calls answered by the server (cache hits excluded: they cost nothing again).
    public var promptTokens = 0
    /// Reported generated tokens of calls answered by the server (cache hits excluded).
    public var completionTokens = 0
    /// Cost of `promptTokens` + `completionTokens` at the configured price (0 without a price).
    public var estimatedCostUSD = 0.0

    /// All counters at zero.
    public init() {}

    /// Attempts that failed, for any reason.
    public var failedAttempts: Int {
        rateLimited + serverErrors + clientErrors + timeouts + malformed + transportErrors
    }
}
