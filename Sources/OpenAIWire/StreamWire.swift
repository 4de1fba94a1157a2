/// The streamed (`"stream": true`) forms of the completions and chat responses: server-sent events whose `data` is
/// one of these chunks, then `data: [DONE]`. `finish_reason` and `logprobs` are written as `null` while a choice
/// goes on (OpenAI's clients expect the keys), and `usage` appears only on the last chunk, whose `choices` is empty,
/// when the request asked for it with `stream_options: {"include_usage": true}`.

/// `stream_options` of a request.
public struct StreamOptions: Codable, Sendable, Equatable {
    /// Send a last chunk with the call's token usage (and no choices) before `[DONE]`.
    public var includeUsage: Bool?

    /// A value with the given fields.
    public init(includeUsage: Bool? = nil) { self.includeUsage = includeUsage }

    enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
}

/// One event of a streamed `/v1/completions` response (`object` "text_completion", as OpenAI sends it).
public typealias CompletionChunkBody = ResponseBody<CompletionChoice>

/// One event of a streamed `/v1/chat/completions` response (`object` "chat.completion.chunk"). Each choice's first
/// chunk carries `delta.role` "assistant", its last an empty delta and the `finish_reason`.
public typealias ChatChunkBody = ResponseBody<ChatChunkChoice>

/// A completions chunk's choice: the same type as a whole response's (see `CompletionChoice`).
public typealias CompletionChunkChoice = CompletionChoice

/// What a chat chunk adds to a choice's message: the role (first chunk only) and more content.
public struct ChatDelta: Codable, Sendable, Equatable {
    /// Who speaks: `system`, `user` or `assistant`.
    public var role: String?
    /// The message's text.
    public var content: String?

    /// A value with the given fields.
    public init(role: String? = nil, content: String? = nil) {
        self.role = role
        self.content = content
    }
}

/// A chat chunk's choice: what its `delta` adds to the message (`logprobs` is always null).
public struct ChatChunkChoice: ResponseChoice {
    /// The `object` of every chunk of this kind.
    public static let object = "chat.completion.chunk"
    /// The choice's position among the answers (prompt-major for several prompts × `n`).
    public var index: Int
    /// What this chunk adds to the message.
    public var delta: ChatDelta
    /// Set on the choice's last chunk only.
    public var finishReason: String?

    /// A value with the given fields.
    public init(index: Int, delta: ChatDelta, finishReason: String? = nil) {
        self.index = index
        self.delta = delta
        self.finishReason = finishReason
    }

    enum CodingKeys: String, CodingKey {
        case index, delta, logprobs
        case finishReason = "finish_reason"
    }

    /// Decodes the JSON form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        index = try container.decode(Int.self, forKey: .index)
        delta = try container.decode(ChatDelta.self, forKey: .delta)
        finishReason = try container.decodeIfPresent(String.self, forKey: .finishReason)
    }

    /// Encodes the JSON form (see the type for which keys are always written).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(index, forKey: .index)
        try container.encode(delta, forKey: .delta)
        try container.encode(finishReason, forKey: .finishReason)
        try container.encodeNil(forKey: .logprobs)
    }
}
