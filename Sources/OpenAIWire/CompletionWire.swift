/// The JSON bodies of the OpenAI-compatible `/v1/completions` endpoint, as sent by the endpoint backend and served by
/// `lema serve`. Only the fields lema uses; servers ignore what they do not know, and `top_k` is the common extension
/// (vLLM, llama.cpp). Property names follow Swift style; `CodingKeys` give the wire names.
public struct CompletionRequestBody: Codable, Sendable, Equatable {
    /// The model's name as clients give it.
    public var model: String
    /// The text to continue.
    public var prompt: String
    /// Most tokens to generate (`max_tokens`).
    public var maxTokens: Int?
    /// Sampling temperature; 0 (or absent with greedy defaults) picks the most likely token.
    public var temperature: Double?
    /// Nucleus sampling: keep the most likely tokens whose probabilities add up to this (`top_p`).
    public var topP: Double?
    /// Sample among the k most likely tokens only (`top_k`, as vLLM and llama.cpp accept it).
    public var topK: Int?
    /// Completions per prompt.
    public var n: Int?
    /// Strings that end a completion; the text stops before them.
    public var stop: [String]?
    /// Per-request sampling seed (servers that support it make sampling repeatable).
    public var seed: Int64?
    /// Number of top log-probabilities per token to return (0 = only the chosen token's).
    public var logprobs: Int?
    /// Send the answer as server-sent events while it is generated.
    public var stream: Bool?
    /// `stream_options`, only with `stream: true`.
    public var streamOptions: StreamOptions?

    /// A value with the given fields.
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
    /// Tokens in the prompt(s).
    public var promptTokens: Int
    /// Tokens generated.
    public var completionTokens: Int
    /// Prompt and completion tokens together.
    public var totalTokens: Int

    /// A value with the given fields.
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
    /// The generated tokens as text, in order.
    public var tokens: [String]
    /// The natural-log probability of each token when it was chosen.
    public var tokenLogprobs: [Double]

    /// A value with the given fields.
    public init(tokens: [String], tokenLogprobs: [Double]) {
        self.tokens = tokens
        self.tokenLogprobs = tokenLogprobs
    }

    enum CodingKeys: String, CodingKey {
        case tokens
        case tokenLogprobs = "token_logprobs"
    }
}

/// The body of a successful `/v1/completions` response (`object` "text_completion").
public typealias CompletionResponseBody = ResponseBody<CompletionChoice>

/// One answer of a `/v1/completions` response, and a streamed chunk's choice of the same shape: there `text` is what
/// the choice generated since its previous chunk, `logprobs` (when asked for) covers the tokens since then, and
/// `finish_reason` is set on its last chunk only.
public struct CompletionChoice: ResponseChoice {
    /// The `object` of every response and chunk with this kind of choice.
    public static let object = "text_completion"
    /// The choice's position among the answers (prompt-major for several prompts × `n`).
    public var index: Int
    /// The generated text.
    public var text: String
    /// "stop" (end token or stop string) or "length" (max tokens).
    public var finishReason: String?
    /// Per-token log probabilities, when requested.
    public var logprobs: CompletionLogprobs?

    /// A value with the given fields.
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
