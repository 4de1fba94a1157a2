import Foundation
import LemaCore

/// Where and how to call an OpenAI-compatible model server, as written in a stage's `endpoint:` block.
///
/// Only `base_url`, `model` and `api` change what the server answers (``resultKeys``); everything else is operational
/// (limits, retries, prices) and may be changed on a finished run without invalidating its stages.
/// The API key itself is never part of the configuration: `apiKeyEnv` names the environment variable that holds it.
public struct EndpointConfig: Sendable, Hashable {
    /// Which OpenAI-compatible route is called.
    public enum API: String, Sendable, Hashable, CaseIterable {
        /// `POST {base_url}/completions` with a `prompt`.
        case completions
        /// `POST {base_url}/chat/completions` with the prompt as the single user message.
        case chat
    }

    /// USD per one million tokens, for cost estimates in `lema status` and reports.
    public struct Price: Sendable, Hashable {
        /// USD per one million prompt (input) tokens.
        public var promptPerMillion: Double
        /// USD per one million completion (generated) tokens.
        public var completionPerMillion: Double

        /// A price in USD per million tokens, prompt and completion separately.
        public init(promptPerMillion: Double, completionPerMillion: Double) {
            self.promptPerMillion = promptPerMillion
            self.completionPerMillion = completionPerMillion
        }

        /// The cost of the given token counts in USD.
        public func cost(promptTokens: Int, completionTokens: Int) -> Double {
            (Double(promptTokens) * promptPerMillion + Double(completionTokens) * completionPerMillion) / 1_000_000
        }
    }

    /// e.g. `http://127.0.0.1:8080/v1` (no trailing slash; `/completions` or `/chat/completions` is appended).
    public var baseURL: String
    /// The model name sent in every request body.
    public var model: String
    /// Which route is called and how the prompt is sent; changes the answer, so it is one of ``resultKeys``.
    public var api: API
    /// Name of the environment variable holding the API key (sent as `Authorization: Bearer …`); nil = no header.
    public var apiKeyEnv: String?
    /// Seconds per request attempt.
    public var timeout: Double
    /// Most requests in flight at once, across every client of this endpoint in the process (see `EndpointClient`).
    public var maxConcurrent: Int
    /// Request rate limit; nil = unlimited.
    public var requestsPerMinute: Int?
    /// Token rate limit (prompt estimate + max_tokens before the call, corrected by reported usage); nil = unlimited.
    public var tokensPerMinute: Int?
    /// Extra attempts after the first one.
    public var retries: Int
    /// First backoff in seconds; it doubles per failed attempt, with jitter, up to `backoffMax`.
    public var backoffBase: Double
    /// Longest backoff in seconds, before jitter; a server's `Retry-After` is honoured up to max(this, 300 s).
    public var backoffMax: Double
    /// For `estimatedCostUSD` in the stats; nil = cost not estimated (reported as 0).
    public var price: Price?

    /// Defaults as in the `endpoint:` block: 60 s timeout, 8 in flight, no rate limits, 6 retries, backoff 0.5–30 s.
    /// Trailing slashes of `baseURL` are removed; values are not validated here (``parse(_:path:)`` does that).
    public init(baseURL: String, model: String, api: API = .completions, apiKeyEnv: String? = nil,
                timeout: Double = 60, maxConcurrent: Int = 8, requestsPerMinute: Int? = nil,
                tokensPerMinute: Int? = nil, retries: Int = 6, backoffBase: Double = 0.5, backoffMax: Double = 30,
                price: Price? = nil) {
        self.baseURL = EndpointConfig.normalisedBaseURL(baseURL)
        self.model = model
        self.api = api
        self.apiKeyEnv = apiKeyEnv
        self.timeout = timeout
        self.maxConcurrent = maxConcurrent
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.retries = retries
        self.backoffBase = backoffBase
        self.backoffMax = backoffMax
        self.price = price
    }

    /// The full URL requests are posted to.
    public var requestURL: String {
        switch api {
        case .completions: baseURL + "/completions"
        case .chat: baseURL + "/chat/completions"
        }
    }

    /// Keys whose values change what the server answers. A stage's fingerprint should cover only these (see
    /// ``resultIdentity``) so that tuning limits or retries does not re-run a finished stage.
    public static let resultKeys: Set<String> = ["base_url", "model", "api"]

    /// Every key the `endpoint:` block accepts.
    public static let allKeys: [String] = [
        "base_url", "model", "api", "api_key_env", "timeout", "max_concurrent", "requests_per_minute",
        "tokens_per_minute", "retries", "backoff_base", "backoff_max", "price",
    ]

    /// The result-changing part of the configuration as a JSON object (keys of ``resultKeys``), for fingerprints.
    public var resultIdentity: JSONValue {
        .object(["base_url": .string(baseURL), "model": .string(model), "api": .string(api.rawValue)])
    }

    /// Total attempts per call.
    public var attempts: Int { retries + 1 }

    static func normalisedBaseURL(_ url: String) -> String {
        var url = url.trimmingCharacters(in: .whitespaces)
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}
