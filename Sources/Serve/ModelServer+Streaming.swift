import Foundation
import Hummingbird
import NIOCore
import OpenAIWire
import TinyGPT

/// `"stream": true`: server-sent events in the format OpenAI's clients parse.
///
/// Each event is `data: {chunk}` and a blank line; the last is `data: [DONE]`. Chunks share one `id` and `created`;
/// `choices[].index` says which choice a chunk continues. Chat choices open with a `delta` carrying the role, then
/// carry content; each choice's last chunk (and only that one) has its `finish_reason`. With
/// `stream_options.include_usage` a chunk with no choices and the call's `usage` comes just before `[DONE]`. Text
/// leaves as it is generated, held back only where a later token could still change it (`StreamedText`). A failure
/// after the 200 has gone out is sent as `data: {"error": {...}}` (then `[DONE]`): the status can no longer change.
/// A client that disconnects ends its rows at their next token; rows not started yet never run.
extension ModelServer {
    enum StreamKind: Sendable {
        case completion, chat
    }

    func streamedResponse(_ call: GenerationCall, kind: StreamKind, channel: any Channel) -> Response {
        let rows = rows(for: call)
        let start = StreamedAnswer(
            kind: kind, choices: rows.count, n: call.n, stops: call.options.stop, logprobs: call.logprobs,
            includeUsage: call.includeUsage, id: responseID(kind == .chat ? "chatcmpl" : "cmpl"), created: Self.now,
            model: modelName, tokenizer: queue.tokenizer)
        let queue = queue
        let body = ResponseBody { writer in
            var answer = start
            let stream = queue.stream(rows, options: call.options)
            channel.closeFuture.whenComplete { _ in stream.abandon() }
            // Nothing to send is no write: an empty body part must not reach the wire.
            func send(_ events: ByteBuffer) async throws {
                if events.readableBytes > 0 { try await writer.write(events) }
            }
            do {
                try await send(answer.opening())
                loop: for await event in stream.events {
                    switch event {
                    case .token(let row, let token, let logprob):
                        try await send(answer.token(row: row, token: token, logprob: logprob))
                    case .finished(let row, let completion):
                        try await send(answer.finished(row: row, completion))
                    case .failed(let error):
                        try await send(answer.failure(error))
                        break loop
                    }
                }
                if Task.isCancelled {
                    stream.abandon()
                    return
                }
                try await writer.write(answer.closing())
                try await writer.finish(nil)
            } catch {
                stream.abandon()
                throw error
            }
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                        body: body)
    }
}

/// The events of one streamed answer, built from the generation's events (no I/O here).
struct StreamedAnswer: Sendable {
    let kind: ModelServer.StreamKind
    /// Choices per prompt.
    let n: Int
    let logprobs: Bool
    let includeUsage: Bool
    let id: String
    let created: Int
    let model: String
    private var texts: [StreamedText]
    private var completions: [TextCompletion?]
    private var failed = false

    /// - Parameters:
    ///   - choices: prompts × n
    ///   - stops: the request's stop strings
    ///   - logprobs: completions only: chunks carry their tokens' log p
    ///   - includeUsage: `stream_options.include_usage`
    init(kind: ModelServer.StreamKind, choices: Int, n: Int, stops: [String], logprobs: Bool, includeUsage: Bool,
         id: String, created: Int, model: String, tokenizer: any Tokenizer) {
        self.kind = kind
        self.n = n
        self.logprobs = logprobs
        self.includeUsage = includeUsage
        self.id = id
        self.created = created
        self.model = model
        texts = Array(repeating: StreamedText(tokenizer: tokenizer, stops: stops), count: choices)
        completions = Array(repeating: nil, count: choices)
    }

    /// Chat: each choice's role; completions: nothing.
    func opening() -> ByteBuffer {
        guard kind == .chat else { return ByteBuffer() }
        return events(texts.indices.map { chat([.init(index: $0, delta: ChatDelta(role: "assistant", content: ""))]) })
    }

    /// The text a token made safe to send, if any.
    mutating func token(row: Int, token: Int32, logprob: Float) -> ByteBuffer {
        let text = texts[row].append(token, logprob: logprob)
        guard !text.isEmpty else { return ByteBuffer() }
        switch kind {
        case .chat:
            return events([chat([.init(index: row, delta: ChatDelta(content: text))])])
        case .completion:
            let tokens = logprobs ? Self.wireLogprobs(texts[row].takeLogprobs()) : nil
            return events([completion([.init(index: row, text: text, finishReason: nil, logprobs: tokens)])])
        }
    }

    /// The rest of a finished choice's text and its `finish_reason`.
    mutating func finished(row: Int, _ completion: TextCompletion) -> ByteBuffer {
        completions[row] = completion
        let rest = texts[row].finish(completion)
        switch kind {
        case .chat:
            var chunks: [Data] = []
            if !rest.isEmpty { chunks.append(chat([.init(index: row, delta: ChatDelta(content: rest))])) }
            chunks.append(chat([.init(index: row, delta: ChatDelta(), finishReason: completion.finishReason)]))
            return events(chunks)
        case .completion:
            let tokens = logprobs ? Self.wireLogprobs(texts[row].takeLogprobs(of: completion)) : nil
            return events([self.completion([.init(index: row, text: rest, finishReason: completion.finishReason,
                                                  logprobs: tokens)])])
        }
    }

    /// An error event in OpenAI's shape (`{"error": {...}}`).
    mutating func failure(_ error: APIError) -> ByteBuffer {
        failed = true
        return events([Self.json(error.body)])
    }

    /// The usage chunk when asked for (and generation completed), then `[DONE]`.
    func closing() -> ByteBuffer {
        var buffer = ByteBuffer()
        let finished = completions.compactMap { $0 }
        if includeUsage, !failed, finished.count == completions.count {
            let usage = ModelServer.usage(of: finished, n: n)
            buffer = events([kind == .chat ? chat([], usage: usage) : completion([], usage: usage)])
        }
        buffer.writeString("data: [DONE]\n\n")
        return buffer
    }

    private func chat(_ choices: [ChatChunkChoice], usage: Usage? = nil) -> Data {
        Self.json(ChatChunkBody(id: id, created: created, model: model, choices: choices, usage: usage))
    }

    private func completion(_ choices: [CompletionChunkChoice], usage: Usage? = nil) -> Data {
        Self.json(CompletionChunkBody(id: id, created: created, model: model, choices: choices, usage: usage))
    }

    private static func wireLogprobs(_ taken: (tokens: [String], logprobs: [Float])) -> CompletionLogprobs {
        CompletionLogprobs(tokens: taken.tokens, tokenLogprobs: taken.logprobs.map { Double($0) })
    }

    private static func json(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let fallback = #"{"error":{"message":"cannot encode a stream chunk","type":"server_error"}}"#
        return (try? encoder.encode(value)) ?? Data(fallback.utf8)
    }

    /// Server-sent events, one per JSON object.
    private func events(_ objects: [Data]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for object in objects {
            buffer.writeString("data: ")
            buffer.writeBytes(object)
            buffer.writeString("\n\n")
        }
        return buffer
    }
}
