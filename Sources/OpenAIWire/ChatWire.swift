/// The JSON bodies of the OpenAI-compatible `/v1/chat/completions` endpoint (text messages only).
public struct ChatMessage: Codable, Sendable, Equatable {
    /// "system", "user" or "assistant".
    public var role: String
    /// The message's text.
    public var content: String

    /// A value with the given fields.
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// The body of `POST /v1/chat/completions`.
public struct ChatRequestBody: Codable, Sendable, Equatable {
    /// The model's name as clients give it.
    public var model: String
    /// The conversation so far, oldest first.
    public var messages: [ChatMessage]
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
    /// Seed of the sampling, so that a request answered twice gives the same text.
    public var seed: Int64?
    /// Send the answer as server-sent events while it is generated.
    public var stream: Bool?
    /// `stream_options`, only with `stream: true`.
    public var streamOptions: StreamOptions?

    /// A value with the given fields.
    public init(model: String, messages: [ChatMessage], maxTokens: Int? = nil, temperature: Double? = nil,
                topP: Double? = nil, topK: Int? = nil, n: Int? = nil, stop: [String]? = nil, seed: Int64? = nil,
                stream: Bool? = nil, streamOptions: StreamOptions? = nil) {
        self.model = model
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.n = n
        self.stop = stop
        self.seed = seed
        self.stream = stream
        self.streamOptions = streamOptions
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, temperature, n, stop, seed, stream
        case maxTokens = "max_tokens", topP = "top_p", topK = "top_k", streamOptions = "stream_options"
    }
}

/// The body of a successful `/v1/chat/completions` response (`object` "chat.completion").
public typealias ChatResponseBody = ResponseBody<ChatChoice>

/// One answer of a `/v1/chat/completions` response.
public struct ChatChoice: ResponseChoice {
    /// The `object` of every response with this kind of choice.
    public static let object = "chat.completion"
    /// The choice's position among the answers (prompt-major for several prompts × `n`).
    public var index: Int
    /// The generated message.
    public var message: ChatMessage
    /// Why generation stopped: `stop` (end token or stop string) or `length` (`max_tokens` reached).
    public var finishReason: String?

    /// A value with the given fields.
    public init(index: Int, message: ChatMessage, finishReason: String?) {
        self.index = index
        self.message = message
        self.finishReason = finishReason
    }

    enum CodingKeys: String, CodingKey {
        case index, message
        case finishReason = "finish_reason"
    }
}

/// `{"error": {...}}`, the body of every error response.
public struct ErrorResponseBody: Codable, Sendable, Equatable {
    /// The error's description.
    public struct Detail: Codable, Sendable, Equatable {
        /// The generated message.
        public var message: String
        /// The error's category (e.g. `invalid_request_error`).
        public var type: String
        /// A machine-readable code, when there is one.
        public var code: String?

        /// A value with the given fields.
        public init(message: String, type: String, code: String? = nil) {
            self.message = message
            self.type = type
            self.code = code
        }
    }

    /// What went wrong.
    public var error: Detail

    /// A value with the given fields.
    public init(message: String, type: String, code: String? = nil) {
        self.error = Detail(message: message, type: type, code: code)
    }
}

/// `GET /v1/models`.
public struct ModelListBody: Codable, Sendable, Equatable {
    /// One entry of `GET /v1/models`.
    public struct Model: Codable, Sendable, Equatable {
        /// A unique id of this object.
        public var id: String
        /// The object type OpenAI names (e.g. `text_completion`, `chat.completion`, `model`, `list`).
        public var object: String
        /// Who serves the model (`owned_by`).
        public var ownedBy: String

        /// A value with the given fields.
        public init(id: String, ownedBy: String = "lema") {
            self.id = id
            self.object = "model"
            self.ownedBy = ownedBy
        }

        enum CodingKeys: String, CodingKey {
            case id, object
            case ownedBy = "owned_by"
        }
    }

    /// The object type OpenAI names (e.g. `text_completion`, `chat.completion`, `model`, `list`).
    public var object: String
    /// The models.
    public var data: [Model]

    /// A value with the given fields.
    public init(data: [Model]) {
        self.object = "list"
        self.data = data
    }
}
