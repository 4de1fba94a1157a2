/// The JSON bodies of the OpenAI-compatible `/v1/completions` endpoint, as sent by the endpoint backend and served by
/// `lema serve`. Only the fields lema uses; servers ignore what they do not know, and `top_k` is the common extension
/// (vLLM, llama.cpp). Property names follow Swift style; `CodingKeys` give the wire names.
public struct CompletionRequestBody: Codable, Sendable, Equatable {
    public var model: String
    public var prompt: String
    public var maxTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?
    public var n: Int?
    public var stop: [String]?
    /// Per-request sampling seed (servers that support it make sampling repeatable).
    public var seed: Int64?
    /// Number of top log-probabilities per token to return (0 = only the chosen token's).
    public var logprobs: Int?
    /// Send the answer as server-sent events while it is generated.
    public var stream: Bool?
    public var streamOptions: StreamOptions?

    public init(model: String, prompt: String, maxTokens: Int? = nil, temperature: Double? = nil,
                topP: Double? = nil, topK: Int? = nil, n: Int? = nil, stop: [String]? = nil, seed: Int64? = nil,
                logprobs: Int? = nil, stream: Bool? = nil, streamOptions: StreamOptions? = nil) {
        self.model = model
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.n = n
        self.stop = stop
        self.seed = seed
        self.logprobs = logprobs
        self.stream = stream
        self.streamOptions = streamOptions
    }

    enum CodingKeys: String, CodingKey {
        case model, prompt, temperature, n, stop, seed, logprobs, stream
        case maxTokens = "max_tokens", topP = "top_p", topK = "top_k", streamOptions = "stream_options"
    }
}

/// Token counts of one call, as servers report them.
public struct Usage: Codable, Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int

    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = promptTokens + completionTokens
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
    }
}

/// Per-token log-probabilities of a completion choice (the legacy completions shape).
public struct CompletionLogprobs: Codable, Sendable, Equatable {
    public var tokens: [String]
    public var tokenLogprobs: [Double]

    public init(tokens: [String], tokenLogprobs: [Double]) {
        self.tokens = tokens
        self.tokenLogprobs = tokenLogprobs
    }

    enum CodingKeys: String, CodingKey {
        case tokens
        case tokenLogprobs = "token_logprobs"
    }
}

/// The body of a successful `/v1/completions` response.
public struct CompletionResponseBody: Codable, Sendable, Equatable {
    public struct Choice: Codable, Sendable, Equatable {
        public var index: Int
        public var text: String
        /// "stop" (end token or stop string) or "length" (max tokens).
        public var finishReason: String?
        public var logprobs: CompletionLogprobs?

        public init(index: Int, text: String, finishReason: String?, logprobs: CompletionLogprobs? = nil) {
            self.index = index
            self.text = text
            self.finishReason = finishReason
            self.logprobs = logprobs
        }

        enum CodingKeys: String, CodingKey {
            case index, text, logprobs
            case finishReason = "finish_reason"
        }

        /// `finish_reason` and `logprobs` are written even when null, as OpenAI does (some clients read the keys).
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(text, forKey: .text)
            try container.encode(finishReason, forKey: .finishReason)
            try container.encode(logprobs, forKey: .logprobs)
        }
    }

    public var id: String
    public var object: String
    public var created: Int
    public var model: String
    public var choices: [Choice]
    public var usage: Usage?

    public init(id: String, created: Int, model: String, choices: [Choice], usage: Usage?) {
        self.id = id
        self.object = "text_completion"
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }
}
