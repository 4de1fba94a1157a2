/// The streamed (`"stream": true`) forms of the completions and chat responses: server-sent events whose `data` is
/// one of these chunks, then `data: [DONE]`. `finish_reason` and `logprobs` are written as `null` while a choice
/// goes on (OpenAI's clients expect the keys), and `usage` appears only on the last chunk, whose `choices` is empty,
/// when the request asked for it with `stream_options: {"include_usage": true}`.

/// `stream_options` of a request.
public struct StreamOptions: Codable, Sendable, Equatable {
    /// Send a last chunk with the call's token usage (and no choices) before `[DONE]`.
    public var includeUsage: Bool?

    public init(includeUsage: Bool? = nil) { self.includeUsage = includeUsage }

    enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
}

/// One event of a streamed `/v1/completions` response (`object` "text_completion", as OpenAI sends it).
public struct CompletionChunkBody: Codable, Sendable, Equatable {
    public struct Choice: Codable, Sendable, Equatable {
        public var index: Int
        /// The text generated since the choice's previous chunk.
        public var text: String
        /// Set on the choice's last chunk only.
        public var finishReason: String?
        /// The tokens generated since the choice's previous chunk (when the request asked for `logprobs`).
        public var logprobs: CompletionLogprobs?

        public init(index: Int, text: String, finishReason: String? = nil, logprobs: CompletionLogprobs? = nil) {
            self.index = index
            self.text = text
            self.finishReason = finishReason
            self.logprobs = logprobs
        }

        enum CodingKeys: String, CodingKey {
            case index, text, logprobs
            case finishReason = "finish_reason"
        }

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

    public init(id: String, created: Int, model: String, choices: [Choice], usage: Usage? = nil) {
        self.id = id
        self.object = "text_completion"
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }
}

/// What a chat chunk adds to a choice's message: the role (first chunk only) and more content.
public struct ChatDelta: Codable, Sendable, Equatable {
    public var role: String?
    public var content: String?

    public init(role: String? = nil, content: String? = nil) {
        self.role = role
        self.content = content
    }
}

/// One event of a streamed `/v1/chat/completions` response (`object` "chat.completion.chunk"). Each choice's first
/// chunk carries `delta.role` "assistant", its last an empty delta and the `finish_reason`.
public struct ChatChunkBody: Codable, Sendable, Equatable {
    public struct Choice: Codable, Sendable, Equatable {
        public var index: Int
        public var delta: ChatDelta
        /// Set on the choice's last chunk only.
        public var finishReason: String?

        public init(index: Int, delta: ChatDelta, finishReason: String? = nil) {
            self.index = index
            self.delta = delta
            self.finishReason = finishReason
        }

        enum CodingKeys: String, CodingKey {
            case index, delta, logprobs
            case finishReason = "finish_reason"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            index = try container.decode(Int.self, forKey: .index)
            delta = try container.decode(ChatDelta.self, forKey: .delta)
            finishReason = try container.decodeIfPresent(String.self, forKey: .finishReason)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(delta, forKey: .delta)
            try container.encode(finishReason, forKey: .finishReason)
            try container.encodeNil(forKey: .logprobs)
        }
    }

    public var id: String
    public var object: String
    public var created: Int
    public var model: String
    public var choices: [Choice]
    public var usage: Usage?

    public init(id: String, created: Int, model: String, choices: [Choice], usage: Usage? = nil) {
        self.id = id
        self.object = "chat.completion.chunk"
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }
}
