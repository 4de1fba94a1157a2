import Crypto
import Foundation
import LemaCore
import OpenAIWire

extension EndpointClient {
    /// The exact request body sent for `call`: JSON with sorted keys and no whitespace, so equal calls give equal
    /// bytes (and equal cache keys). Temperature is always sent; optional sampling fields only when set.
    public static func renderBody(_ call: EndpointCall, config: EndpointConfig) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The wire boundary: the decoding settings become the request's fields here and only here.
        let decoding = call.decoding
        let stop = decoding.stop.isEmpty ? nil : decoding.stop
        switch config.api {
        case .completions:
            return try encoder.encode(CompletionRequestBody(
                model: config.model, prompt: call.prompt, maxTokens: decoding.maxTokens,
                temperature: decoding.temperature, topP: decoding.topP, topK: decoding.topK, stop: stop, seed: call.seed))
        case .chat:
            var messages: [ChatMessage] = []
            if let system = call.system { messages.append(ChatMessage(role: "system", content: system)) }
            messages.append(ChatMessage(role: "user", content: call.prompt))
            return try encoder.encode(ChatRequestBody(
                model: config.model, messages: messages, maxTokens: decoding.maxTokens,
                temperature: decoding.temperature, topP: decoding.topP, topK: decoding.topK, stop: stop, seed: call.seed))
        }
    }

    /// The request-cache key: SHA-256 (hex) over the endpoint URL (with its path), the model, the rendered body and
    /// the sample index, each length-prefixed so that no two different tuples give the same bytes.
    public static func cacheKey(endpoint: String, model: String, body: Data, sampleIndex: Int) -> String {
        var bytes = Data("lema-endpoint-cache-v1".utf8)
        for part in [Data(endpoint.utf8), Data(model.utf8), body, Data(String(sampleIndex).utf8)] {
            bytes.append(Data("\n\(part.count):".utf8))
            bytes.append(part)
        }
        return Hex.string(SHA256.hash(data: bytes))
    }

    /// The cache key of `call` under this client's configuration.
    public func cacheKey(for call: EndpointCall) throws -> String {
        Self.cacheKey(endpoint: config.requestURL, model: config.model,
                      body: try Self.renderBody(call, config: config), sampleIndex: call.sampleIndex)
    }
}

/// A usable reply decoded from a 2xx body, or why it is not one.
enum ReplyDecoding {
    /// Decodes the first choice of a completions or chat response. Lenient about fields lema does not use (`id`,
    /// `created`, …) so that servers which omit them still work; strict about the text.
    static func decode(_ body: Data, api: EndpointConfig.API) -> Result<EndpointReply, DecodeFailure> {
        let decoder = JSONDecoder()
        do {
            switch api {
            case .completions:
                let response = try decoder.decode(LenientCompletion.self, from: body)
                guard let choice = response.choices.first else { return .failure(.noChoices) }
                return .success(reply(text: choice.text, finishReason: choice.finishReason, usage: response.usage))
            case .chat:
                let response = try decoder.decode(LenientChat.self, from: body)
                guard let choice = response.choices.first else { return .failure(.noChoices) }
                guard let text = choice.message.content else { return .failure(.noText) }
                return .success(reply(text: text, finishReason: choice.finishReason, usage: response.usage))
            }
        } catch {
            return .failure(.notJSON(String(describing: error)))
        }
    }

    private static func reply(text: String, finishReason: String?, usage: LenientUsage?) -> EndpointReply {
        EndpointReply(text: text, finishReason: finishReason, promptTokens: max(usage?.promptTokens ?? 0, 0),
                      completionTokens: max(usage?.completionTokens ?? 0, 0), fromCache: false)
    }

    enum DecodeFailure: Error, CustomStringConvertible {
        case noChoices
        case noText
        case notJSON(String)

        var description: String {
            switch self {
            case .noChoices: "response has no choices"
            case .noText: "first choice has no message content"
            case .notJSON: "response is not the expected JSON"
            }
        }
    }

    private struct LenientUsage: Decodable {
        var promptTokens: Int?
        var completionTokens: Int?

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
        }
    }

    private struct LenientCompletion: Decodable {
        struct Choice: Decodable {
            var text: String
            var finishReason: String?

            enum CodingKeys: String, CodingKey {
                case text
                case finishReason = "finish_reason"
            }
        }

        var choices: [Choice]
        var usage: LenientUsage?
    }

    private struct LenientChat: Decodable {
        struct Message: Decodable {
            var content: String?
        }

        struct Choice: Decodable {
            var message: Message
            var finishReason: String?

            enum CodingKeys: String, CodingKey {
                case message
                case finishReason = "finish_reason"
            }
        }

        var choices: [Choice]
        var usage: LenientUsage?
    }
}

enum RetryAfter {
    /// Seconds to wait from a `Retry-After` value: delta-seconds (`"2"`, also `"1.5"`) or an HTTP date
    /// (`"Wed, 21 Oct 2015 07:28:00 GMT"`) relative to `now`. Nil when absent or unreadable; never negative.
    static func seconds(_ value: String?, now: Date = Date()) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds.isFinite { return max(seconds, 0) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: value) { return max(date.timeIntervalSince(now), 0) }
        }
        return nil
    }
}

extension String {
    /// The first `limit` characters, with an ellipsis when cut (for quoting server bodies in messages).
    func clipped(to limit: Int) -> String {
        count > limit ? String(prefix(limit)) + "…" : self
    }
}
