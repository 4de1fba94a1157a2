import Foundation
import Hummingbird
import OpenAIWire
import TinyGPT

/// The OpenAI-compatible routes.
extension ModelServer {
    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: JSONErrorMiddleware(maxBodyBytes: configuration.maxBodyBytes))
        router.get("health") { _, _ in JSONBody.response(["status": "ok", "model": self.modelName]) }
        router.get("v1/models") { _, _ in
            JSONBody.response(ModelListBody(data: [ModelListBody.Model(id: self.modelName)]))
        }
        router.post("v1/completions") { request, _ in
            self.countGenerationRequest()
            let call = try RequestParsing.completion(try await self.body(of: request), limits: self.limits)
            let (completions, usage) = try await self.generate(call)
            let choices = completions.enumerated().map { index, completion in
                CompletionResponseBody.Choice(
                    index: index, text: completion.text, finishReason: completion.finishReason,
                    logprobs: call.logprobs ? CompletionLogprobs(
                        tokens: completion.tokens, tokenLogprobs: completion.tokenLogprobs.map { Double($0) }) : nil)
            }
            return JSONBody.response(CompletionResponseBody(
                id: self.responseID("cmpl"), created: Self.now, model: self.modelName, choices: choices, usage: usage))
        }
        router.post("v1/chat/completions") { request, _ in
            self.countGenerationRequest()
            let call = try RequestParsing.chat(try await self.body(of: request), limits: self.limits)
            let (completions, usage) = try await self.generate(call)
            let choices = completions.enumerated().map { index, completion in
                ChatResponseBody.Choice(index: index, message: ChatMessage(role: "assistant", content: completion.text),
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

    /// Choices in OpenAI order (prompt-major: index = prompt × n + choice) and the call's token usage; each prompt's
    /// tokens count once however many choices it has.
    private func generate(_ call: GenerationCall) async throws -> ([TextCompletion], Usage) {
        let count = call.prompts.count * call.n
        let seeds = call.seed.map { seed in
            (0..<count).map { UInt64(bitPattern: seed) &+ UInt64($0) }
        } ?? queue.nextSeeds(count)
        var rows: [GenerationQueue.Row] = []
        for (p, prompt) in call.prompts.enumerated() {
            for c in 0..<call.n { rows.append(.init(prompt: prompt, seed: seeds[p * call.n + c])) }
        }
        let completions = try await queue.submit(rows, options: call.options)
        let promptTokens = stride(from: 0, to: completions.count, by: call.n).reduce(0) {
            $0 + completions[$1].promptTokens
        }
        let completionTokens = completions.reduce(0) { $0 + $1.completionTokens }
        let usage = Usage(promptTokens: promptTokens, completionTokens: completionTokens)
        return (completions, usage)
    }

    private static var now: Int { Int(Date().timeIntervalSince1970) }
}
