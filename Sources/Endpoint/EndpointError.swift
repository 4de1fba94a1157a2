/// A call that failed for good, or a client that could not be created. The description names the endpoint URL and
/// model and never contains the API key (server text quoted in it is redacted).
public struct EndpointError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure, which decides the wording of `description`.
    public enum Kind: Sendable, Hashable {
        /// Every attempt failed with a retryable error (429, 5xx, 408/409, timeout, transport, malformed body).
        case gaveUp
        /// The server rejected the request with a 4xx that retrying cannot fix.
        case rejected(status: Int)
        /// The client could not be set up (missing API key variable, bad URL).
        case configuration
        /// The call was cancelled, or the client was shut down.
        case cancelled
        /// The request cache failed (store unreadable or unwritable).
        case cache
    }

    /// Why the call failed.
    public var kind: Kind
    /// `{base_url}/completions` or `{base_url}/chat/completions`.
    public var endpoint: String
    /// The model name sent in the request.
    public var model: String
    /// Attempts made (0 when none was sent).
    public var attempts: Int
    /// What went wrong last, e.g. `HTTP 503: <first 200 characters of the body>`.
    public var detail: String

    /// An error as the client reports it; `detail` must already be redacted of the API key.
    public init(kind: Kind, endpoint: String, model: String, attempts: Int, detail: String) {
        self.kind = kind
        self.endpoint = endpoint
        self.model = model
        self.attempts = attempts
        self.detail = detail
    }

    /// One line naming endpoint and model, what happened and the last error's detail.
    public var description: String {
        let head = "endpoint \(endpoint) (model \(model))"
        switch kind {
        case .gaveUp:
            return "\(head): gave up after \(attempts) attempt\(attempts == 1 ? "" : "s"): last error: \(detail)"
        case .rejected(let status):
            return "\(head): request rejected with HTTP \(status) (not retried; fix the request or the endpoint "
                + "settings): \(detail)"
        case .configuration:
            return "\(head): \(detail)"
        case .cancelled:
            return "\(head): cancelled after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(detail)"
        case .cache:
            return "\(head): request cache failed: \(detail)"
        }
    }
}
