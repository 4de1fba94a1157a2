import Foundation
import OpenAIWire
import Serve
import Testing
import TinyGPT

/// `"stream": true` over loopback HTTP: server-sent events in OpenAI's format, read incrementally, whose text adds up
/// to the non-streamed answer.
@Suite("lema serve: streaming")
struct ServeStreamingTests {
    static let prompts = ["the cat", "one two", "red green", "we serve"]

    /// Every chunk of a choice's stream: one id and `created`, `finish_reason` on its last chunk only.
    static func checkShape<Chunk>(_ chunks: [Chunk], id: (Chunk) -> String, created: (Chunk) -> Int,
                                  finishes: (Chunk) -> [(index: Int, reason: String?)], choices: Int) {
        #expect(Set(chunks.map(id)).count == 1, "one id for the whole stream")
        #expect(Set(chunks.map(created)).count == 1)
        for index in 0..<choices {
            let reasons = chunks.flatMap(finishes).filter { $0.index == index }.map(\.reason)
            #expect(reasons.last??.isEmpty == false, "choice \(index) ends with a finish_reason")
            #expect(reasons.dropLast().allSatisfy { $0 == nil }, "choice \(index): finish_reason only on its last chunk")
        }
    }

    static func completionText(_ chunks: [CompletionChunkBody], index: Int = 0) -> String {
        chunks.flatMap(\.choices).filter { $0.index == index }.map(\.text).joined()
    }

    static func chatText(_ chunks: [ChatChunkBody], index: Int = 0) -> String {
        chunks.flatMap(\.choices).filter { $0.index == index }.compactMap(\.delta.content).joined()
    }

    static func events(_ harness: ServeHarness, _ path: String, _ body: some Encodable) async throws -> [String] {
        let json = String(decoding: try JSONEncoder().encode(body), as: UTF8.self)
        let reader = try await EventReader(base: harness.base, path: path, json: json)
        #expect(reader.status == 200)
        #expect(reader.contentType == "text/event-stream")
        return try await reader.rest()
    }

    @Test(arguments: [false, true])
    func streamedCompletionAddsUpToTheNonStreamedGreedyAnswer(includeUsage: Bool) async throws {
        try await ServeHarness.with { harness in
            for prompt in Self.prompts {
                let request = CompletionRequestBody(model: "tiny", prompt: prompt, maxTokens: 40, temperature: 0)
                let whole = try await harness.completion(request)
                var streamed = request
                streamed.stream = true
                streamed.streamOptions = includeUsage ? StreamOptions(includeUsage: true) : nil
                let result = try StreamedChunks<CompletionChunkBody>(
                    try await Self.events(harness, "/v1/completions", streamed))
                #expect(result.endedWithDone)
                var chunks = result.chunks
                if includeUsage {
                    let popped = chunks.popLast()
                    let last = try #require(popped)
                    #expect(last.choices.isEmpty)
                    #expect(last.usage == whole.usage)
                }
                #expect(chunks.allSatisfy { $0.usage == nil && $0.object == "text_completion" && $0.model == "tiny" })
                #expect(chunks.count >= 3, "a sentence-long answer comes in several chunks")
                Self.checkShape(chunks, id: \.id, created: \.created,
                                finishes: { $0.choices.map { ($0.index, $0.finishReason) } }, choices: 1)
                #expect(Self.completionText(chunks) == whole.choices[0].text)
                #expect(chunks.last?.choices.first?.finishReason == whole.choices[0].finishReason)
            }
        }
    }

    @Test func streamedChatOpensWithTheRoleAndAddsUpToTheNonStreamedAnswer() async throws {
        try await ServeHarness.with { harness in
            let request = ChatRequestBody(model: "tiny", messages: [ChatMessage(role: "user", content: "we serve")],
                                          maxTokens: 40, temperature: 0)
            let whole = try await harness.post("/v1/chat/completions", request, as: ChatResponseBody.self)
            var streamed = request
            streamed.stream = true
            streamed.streamOptions = StreamOptions(includeUsage: true)
            let result = try StreamedChunks<ChatChunkBody>(
                try await Self.events(harness, "/v1/chat/completions", streamed))
            #expect(result.endedWithDone)
            var chunks = result.chunks
            let popped = chunks.popLast()
            let usage = try #require(popped)
            #expect(usage.choices.isEmpty && usage.usage == whole.usage)
            #expect(chunks.allSatisfy { $0.object == "chat.completion.chunk" && $0.usage == nil })
            #expect(chunks.first?.choices.first?.delta.role == "assistant")
            #expect(chunks.dropFirst().allSatisfy { $0.choices.allSatisfy { $0.delta.role == nil } })
            #expect(chunks.last?.choices.first?.delta == ChatDelta(), "the last chunk only finishes")
            Self.checkShape(chunks, id: \.id, created: \.created,
                            finishes: { $0.choices.map { ($0.index, $0.finishReason) } }, choices: 1)
            #expect(Self.chatText(chunks) == whole.choices[0].message.content)
            #expect(chunks.last?.choices.first?.finishReason == whole.choices[0].finishReason)
        }
    }

    @Test func nAndPromptArraysStreamEachChoiceUnderItsIndex() async throws {
        try await ServeHarness.with { harness in
            let json = #"{"prompt": ["the cat", "one two"], "n": 2, "max_tokens": 30, "temperature": 1, "seed": 5"#
            let (status, data) = try await harness.post("/v1/completions", json: json + "}")
            #expect(status == 200)
            let whole = try JSONDecoder().decode(CompletionResponseBody.self, from: data)
            let reader = try await EventReader(base: harness.base, path: "/v1/completions",
                                               json: json + #", "stream": true}"#)
            let result = try StreamedChunks<CompletionChunkBody>(try await reader.rest())
            #expect(result.endedWithDone)
            Self.checkShape(result.chunks, id: \.id, created: \.created,
                            finishes: { $0.choices.map { ($0.index, $0.finishReason) } }, choices: 4)
            #expect(Set(result.chunks.flatMap(\.choices).map(\.index)) == [0, 1, 2, 3])
            #expect((0..<4).map { Self.completionText(result.chunks, index: $0) } == whole.choices.map(\.text))
            #expect(Set(whole.choices.map(\.text)).count > 1, "seeded choices differ, so a mixed-up index would show")
        }
    }

    /// Stop strings spanning several tokens, one that never completes (its start must be released), and one that
    /// starts at the first character: no streamed chunk may carry text the non-streamed answer cuts.
    @Test func stopStringsAreHeldBackNotLeaked() async throws {
        let local = try ServeFixture.completer()
        let full = try local.complete(["one"], options: .greedy(maxTokens: 40), seeds: [0])[0].text
        let scalars = Array(full.unicodeScalars)
        try #require(scalars.count >= 8, "the fixture answer '\(full)' is too short")
        func text(_ range: Range<Int>) -> String { String(String.UnicodeScalarView(scalars[range])) }
        let stopSets: [[String]] = [
            [text(4..<7)], [text(2..<5) + "\u{7}"], [text(0..<2)], [text(5..<8), text(3..<4) + "\u{7}"],
        ]
        try await ServeHarness.with { harness in
            for stops in stopSets {
                let request = CompletionRequestBody(model: "tiny", prompt: "one", maxTokens: 40, temperature: 0,
                                                    stop: stops)
                let whole = try await harness.completion(request)
                var streamed = request
                streamed.stream = true
                let chunks = try StreamedChunks<CompletionChunkBody>(
                    try await Self.events(harness, "/v1/completions", streamed)).chunks
                #expect(Self.completionText(chunks) == whole.choices[0].text, "stop \(stops)")
                #expect(chunks.last?.choices.first?.finishReason == whole.choices[0].finishReason)
            }
        }
    }

    @Test func streamedLogprobsAddUpToTheNonStreamedOnes() async throws {
        try await ServeHarness.with { harness in
            let request = CompletionRequestBody(model: "tiny", prompt: "red green", maxTokens: 40, temperature: 0,
                                                stop: ["e,"], logprobs: 0)
            let whole = try await harness.completion(request)
            var streamed = request
            streamed.stream = true
            let chunks = try StreamedChunks<CompletionChunkBody>(
                try await Self.events(harness, "/v1/completions", streamed)).chunks
            let parts = chunks.compactMap { $0.choices.first?.logprobs }
            #expect(parts.count == chunks.count, "every chunk carries its tokens")
            let expected = try #require(whole.choices[0].logprobs)
            #expect(parts.flatMap(\.tokens) == expected.tokens)
            #expect(parts.flatMap(\.tokenLogprobs) == expected.tokenLogprobs)
        }
    }

    /// Streamed and non-streamed requests sharing batches (the batch is then observed token by token) each get the
    /// text they get alone.
    @Test func streamedAndWholeRequestsInOneBatchKeepTheirText() async throws {
        let local = try ServeFixture.completer()
        let expected = try Self.prompts.map {
            try local.complete([$0], options: .greedy(maxTokens: 30), seeds: [0])[0].text
        }
        try await ServeHarness.with({ $0.batchRows = 8; $0.batchWait = 0.05 }) { harness in
            let texts = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for (i, prompt) in Self.prompts.enumerated() {
                    for stream in [false, true] {
                        group.addTask {
                            var request = CompletionRequestBody(model: "tiny", prompt: prompt, maxTokens: 30,
                                                                temperature: 0)
                            guard stream else {
                                return (2 * i, try await harness.completion(request).choices.first?.text ?? "")
                            }
                            request.stream = true
                            let chunks = try StreamedChunks<CompletionChunkBody>(
                                try await Self.events(harness, "/v1/completions", request)).chunks
                            return (2 * i + 1, Self.completionText(chunks))
                        }
                    }
                }
                var texts = [String](repeating: "", count: 2 * Self.prompts.count)
                for try await (i, text) in group { texts[i] = text }
                return texts
            }
            #expect(texts == expected.flatMap { [$0, $0] })
        }
    }

    @Test func streamOptionsWithoutStreamIsRefused() async throws {
        try await ServeHarness.with { harness in
            let (status, data) = try await harness.post("/v1/completions", json: """
                {"prompt": "a", "stream_options": {"include_usage": true}}
                """)
            #expect(status == 400)
            let error = try JSONDecoder().decode(ErrorResponseBody.self, from: data)
            #expect(error.error.message.contains("'stream_options'") && error.error.message.contains("'stream'"))
        }
    }
}
