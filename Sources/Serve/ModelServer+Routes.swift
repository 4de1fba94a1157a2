import Foundation
import Hummingbird
import NIOCore
import OpenAIWire
import TinyGPT

/// The OpenAI-compatible routes.
extension ModelServer {
    func makeRouter() -> Router<ServeRequestContext> {
        let router = Router(context: ServeRequestContext.self)
        router.add(middleware: JSONErrorMiddleware(maxBodyBytes: configuration.maxBodyBytes))
        router.get("health") { _, _ in JSONBody.response(["status": "ok", "model": self.modelName]) }
        router.get("v1/models") { _, _ in
            JSONBody.response(ModelListBody(data: [ModelListBody.Model(id: self.modelName)]))
        }
        router.post("v1/completions") { request, context in
            self.countGenerationRequest()
            let call = try RequestParsing.completion(try await self.body(of: request), limits: self.limits)
            if call.stream { return self.streamedResponse(call, kind: .completion, channel: context.channel) }
            let (completions, usage) = try await self.generate(call)
            let choices = completions.enumerated().map { index, completion in
                CompletionChoice(
                    index: index, text: completion.text, finishReason: completion.finishReason,
                    logprobs: call.logprobs ? CompletionLogprobs(
                        tokens: completion.tokens, tokenLogprobs: completion.tokenLogprobs.map { Double($0) }) : nil)
            }
            return JSONBody.response(CompletionResponseBody(
                id: self.responseID("cmpl"), created: Self.now, model: self.modelName, choices: choices, usage: usage))
        }
        router.post("v1/chat/completions") { request, context in
            self.countGenerationRequest()
            let call = try RequestParsing.chat(try await self.body(of: request), limits: self.limits)
            if call.stream { return self.streamedResponse(call, kind: .chat, channel: context.channel) }
            let (completions, usage) = try await self.generate(call)
            let choices = completions.enumerated().map { index, completion in
                ChatChoice(index: index, message: ChatMessage(role: "assistant", content: completion.text),
                                        finishReason: completion.finishReason)
            }
            return JSONBody.response(ChatResponseBody(
                id: self.responseID("chatcmpl"), created: Self.now, model: self.modelName, choices: choices,
                usage: usage))
        }
        return router
    }

    var limits: RequestLimits {
        RequestLimits(modelName: modelName, contextLength: contextLength, maxChoices: configuration.maxChoices,
                      maxRowsPerRequest: configuration.maxRowsPerRequest, maxStopStrings: configuration.maxStopStrings)
    }

    private func body(of request: Request) async throws -> Data {
        let buffer = try await request.body.collect(upTo: configuration.maxBodyBytes)
        return Data(buffer.readableBytesView)
    }

    /// The call's rows in OpenAI order (prompt-major: index = prompt × n + choice); row seeds are the request's
    /// `seed` + that index, else drawn from the server's counter.
    func rows(for call: GenerationCall) -> [GenerationQueue.Row] {
        let count = call.prompts.count * call.n
        let seeds = call.seed.map { seed in
            (0..<count).map { UInt64(bitPattern: seed) &+ UInt64($0) }
        } ?? queue.nextSeeds(count)
        var rows: [GenerationQueue.Row] = []
        for (p, prompt) in call.prompts.enumerated() {
            for c in 0..<call.n { rows.append(.init(prompt: prompt, seed: seeds[p * call.n + c])) }
        }
        return rows
    }

    /// A call's token usage: each prompt's tokens count once however many choices (`n`) it has.
    static func usage(of completions: [TextCompletion], n: Int) -> Usage {
        let promptTokens = stride(from: 0, to: completions.count, by: n).reduce(0) {
            $0 + completions[$1].promptTokens
        }
        return Usage(promptTokens: promptTokens, completionTokens: completions.reduce(0) { $0 + $1.completionTokens })
    }

    /// Choices in OpenAI order and the call's token usage.
    private func generate(_ call: GenerationCall) async throws -> ([TextCompletion], Usage) {
        let completions = try await queue.submit(rows(for: call), options: call.options)
        return (completions, Self.usage(of: completions, n: call.n))
    }

    static var now: Int { Int(Date().timeIntervalSince1970) }
}

/// Hummingbird's basic request context plus the connection: a streamed answer watches it close, to stop generating
/// for a client that left.
struct ServeRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
