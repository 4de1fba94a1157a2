import Foundation
import LemaCore
import OpenAIWire
import TinyGPT

/// A validated `/v1/completions` or `/v1/chat/completions` request, ready to generate.
struct GenerationCall: Sendable {
    /// One prompt per input (completions accept a string or an array of strings; chat renders one).
    var prompts: [String]
    /// Choices per prompt.
    var n: Int
    var options: DecodingSettings
    /// Row seeds are `seed + choice index` when given (so `n = 1` with seed s samples exactly like an in-process
    /// row seeded s); else the server's counter.
    var seed: Int64?
    /// Whether to return per-token log-probabilities.
    var logprobs: Bool
    /// Whether to answer with server-sent events as the tokens are generated.
    var stream = false
    /// Streamed: whether a last chunk carries the usage (`stream_options.include_usage`).
    var includeUsage = false
}

/// Limits a request must respect.
struct RequestLimits: Sendable {
    var modelName: String
    var contextLength: Int
    var maxChoices: Int
    var maxRowsPerRequest: Int
    var maxStopStrings: Int
}

/// Decodes request bodies leniently where OpenAI clients differ (a prompt or stop may be a string or an array;
/// `top_k` ≤ 0 means "off") and strictly where a mistake would silently change results, naming the field at fault.
enum RequestParsing {
    static func completion(_ data: Data, limits: RequestLimits) throws(APIError) -> GenerationCall {
        let fields = try object(data)
        let prompts: [String]
        switch fields.decodeStrings("prompt") {
        case .absent: throw .badField("prompt", "is required (a string or an array of strings)")
        case .invalid: throw .badField("prompt", "must be a string or an array of strings")
        case .value(let list):
            guard !list.isEmpty else { throw .badField("prompt", "must not be an empty array") }
            prompts = list
        }
        return try common(fields, prompts: prompts, limits: limits, acceptsLogprobs: true)
    }

    static func chat(_ data: Data, limits: RequestLimits) throws(APIError) -> GenerationCall {
        let fields = try object(data)
        guard fields.has("messages") else { throw .badField("messages", "is required (an array of messages)") }
        guard let messages = fields.decode([ChatMessage].self, "messages") else {
            throw .badField("messages", "must be an array of {\"role\": string, \"content\": string} objects")
        }
        guard !messages.isEmpty else { throw .badField("messages", "must contain at least one message") }
        return try common(fields, prompts: [ChatRendering.prompt(messages)], limits: limits, acceptsLogprobs: false)
    }

    /// The fields both endpoints share.
    private static func common(_ fields: Fields, prompts: [String], limits: RequestLimits, acceptsLogprobs: Bool)
        throws(APIError) -> GenerationCall
    {
        if fields.has("model") {
            guard let model = fields.decode(String.self, "model") else { throw .badField("model", "must be a string") }
            if !model.isEmpty && model != limits.modelName {
                throw APIError(status: 404, message: "'model': '\(model)' is not served here; this server has "
                    + "'\(limits.modelName)' (see GET /v1/models)", type: "not_found_error", field: "model")
            }
        }
        // Options that would change what the client reads are refused rather than silently ignored.
        if try fields.optional(Bool.self, "echo", "must be true or false") == true {
            throw .badField("echo", "is not supported by lema serve; leave it out or set it to false")
        }
        let stream = try fields.optional(Bool.self, "stream", "must be true or false") ?? false
        let streamOptions = try fields.optional(StreamOptions.self, "stream_options",
                                                "must be an object like {\"include_usage\": true}")
        if streamOptions != nil && !stream {
            throw .badField("stream_options", "is only allowed when 'stream' is true")
        }
        let n = try fields.optional(Int.self, "n", "must be an integer") ?? 1
        guard (1...limits.maxChoices).contains(n) else {
            throw .badField("n", "must be between 1 and \(limits.maxChoices), got \(n)")
        }
        guard prompts.count * n <= limits.maxRowsPerRequest else {
            throw APIError(status: 400, message: "\(prompts.count) prompt(s) × n=\(n) is \(prompts.count * n) rows; "
                + "this server generates at most \(limits.maxRowsPerRequest) per request — split the request",
                type: "invalid_request_error", field: "n")
        }
        var options = DecodingSettings(maxTokens: limits.contextLength)
        if let maxTokens = try fields.optional(Int.self, "max_tokens", "must be an integer") {
            guard maxTokens >= 0 else { throw .badField("max_tokens", "must be ≥ 0, got \(maxTokens)") }
            options.maxTokens = maxTokens
        }
        if let temperature = try fields.optional(Double.self, "temperature", "must be a number") {
            guard temperature >= 0, temperature.isFinite else {
                throw .badField("temperature", "must be ≥ 0 (0 = greedy), got \(temperature)")
            }
            options.temperature = temperature
        }
        if let topP = try fields.optional(Double.self, "top_p", "must be a number") {
            guard topP > 0 && topP <= 1 else { throw .badField("top_p", "must be in (0, 1], got \(topP)") }
            options.topP = topP == 1 ? nil : topP
        }
        if let topK = try fields.optional(Int.self, "top_k", "must be an integer") {
            options.topK = topK > 0 ? topK : nil  // 0 (llama.cpp) and -1 (vLLM) mean "off"
        }
        switch fields.decodeStrings("stop") {
        case .absent: break
        case .invalid: throw .badField("stop", "must be a string or an array of strings")
        case .value(let stops):
            guard stops.count <= limits.maxStopStrings else {
                throw .badField("stop", "has \(stops.count) strings; at most \(limits.maxStopStrings) are allowed")
            }
            options.stop = stops.filter { !$0.isEmpty }
        }
        let seed = try fields.optional(Int64.self, "seed", "must be an integer")
        var logprobs = false
        if acceptsLogprobs, let count = try fields.optional(Int.self, "logprobs", "must be an integer") {
            guard count >= 0 else { throw .badField("logprobs", "must be ≥ 0, got \(count)") }
            logprobs = true
        }
        return GenerationCall(prompts: prompts, n: n, options: options, seed: seed, logprobs: logprobs,
                              stream: stream, includeUsage: streamOptions?.includeUsage ?? false)
    }

    private static func object(_ data: Data) throws(APIError) -> Fields {
        guard !data.isEmpty else { throw .badBody("the request body is empty; send a JSON object") }
        do {
            return try JSONDecoder().decode(Fields.self, from: data)
        } catch {
            if case DecodingError.typeMismatch = error { throw .badBody("the request body must be a JSON object") }
            throw .badBody("the request body is not valid JSON: \(Self.reason(error))")
        }
    }

    private static func reason(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? context.debugDescription
        }
        return "\(error)"
    }
}

/// A JSON object whose fields are decoded one at a time, so each failure can name its field.
private struct Fields: Decodable {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    enum Strings {
        case absent, invalid
        case value([String])
    }

    let container: KeyedDecodingContainer<Key>

    init(from decoder: any Decoder) throws {
        container = try decoder.container(keyedBy: Key.self)
    }

    /// Present and not null.
    func has(_ name: String) -> Bool {
        let key = Key(stringValue: name)
        return container.contains(key) && !((try? container.decodeNil(forKey: key)) ?? false)
    }

    func decode<T: Decodable>(_ type: T.Type, _ name: String) -> T? {
        try? container.decode(type, forKey: Key(stringValue: name))
    }

    /// nil when absent or null; an error naming the field when present with the wrong type.
    func optional<T: Decodable>(_ type: T.Type, _ name: String, _ expectation: String) throws(APIError) -> T? {
        guard has(name) else { return nil }
        guard let value = decode(type, name) else { throw .badField(name, expectation) }
        return value
    }

    /// A string or an array of strings.
    func decodeStrings(_ name: String) -> Strings {
        guard has(name) else { return .absent }
        if let one = decode(String.self, name) { return .value([one]) }
        if let many = decode([String].self, name) { return .value(many) }
        return .invalid
    }
}

/// How chat messages become one prompt for a base (non-chat) model: the messages' contents in order, whatever
/// their role, joined with a blank line ("\n\n"). A single user message is therefore sent to the model exactly as
/// written, which is how the endpoint backend sends its prompts.
public enum ChatRendering {
    /// The messages' contents in order, whatever their role, joined with a blank line; roles are dropped.
    public static func prompt(_ messages: [ChatMessage]) -> String {
        messages.map(\.content).joined(separator: "\n\n")
    }
}
