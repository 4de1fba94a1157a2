import Foundation
import LemaCore
import OpenAIWire
import Serve
import Testing
import TinyGPT

/// `lema serve` over loopback HTTP against the same checkpoint run in-process.
@Suite("lema serve: completions and chat over HTTP")
struct ServeCompletionTests {
    static let prompts = ["the cat", "one two", "red green", "we serve", "a b c"]

    @Test func greedyCompletionEqualsInProcessText() async throws {
        let local = try ServeFixture.completer()
        try await ServeHarness.with { harness in
            for prompt in Self.prompts {
                let expected = try local.complete([prompt], options: .greedy(maxTokens: 40), seeds: [0])[0]
                let reply = try await harness.completion(CompletionRequestBody(
                    model: "tiny", prompt: prompt, maxTokens: 40, temperature: 0))
                let choice = try #require(reply.choices.first)
                #expect(reply.choices.count == 1)
                #expect(choice.text == expected.text)
                #expect(choice.finishReason == expected.finishReason)
                #expect(reply.model == "tiny")
                #expect(reply.object == "text_completion")
                // Char tokenizer: one token per character, plus bos; the end token counts when the row ended on it.
                let usage = try #require(reply.usage)
                #expect(usage.promptTokens == prompt.unicodeScalars.count + 1)
                let endToken = choice.finishReason == "stop" ? 1 : 0
                #expect(usage.completionTokens == choice.text.unicodeScalars.count + endToken)
                #expect(usage.totalTokens == usage.promptTokens + usage.completionTokens)
            }
        }
    }

    @Test func theFixtureModelWritesSentences() throws {
        // Guards the other tests' power: a model that always said "" would make equality checks trivial.
        let local = try ServeFixture.completer()
        let texts = try local.complete(Self.prompts, options: .greedy(maxTokens: 40), seeds: [0, 0, 0, 0, 0])
        #expect(texts.allSatisfy { $0.text.count >= 3 })
        #expect(Set(texts.map(\.text)).count >= 3)
    }

    @Test func promptArrayAndNGiveChoicesInPromptMajorOrder() async throws {
        let local = try ServeFixture.completer()
        try await ServeHarness.with { harness in
            let (status, data) = try await harness.post("/v1/completions", json: """
                {"prompt": ["the cat", "one two"], "n": 2, "max_tokens": 30, "temperature": 0}
                """)
            #expect(status == 200)
            let reply = try JSONDecoder().decode(CompletionResponseBody.self, from: data)
            let expected = try local.complete(["the cat", "one two"], options: .greedy(maxTokens: 30), seeds: [0, 0])
            #expect(reply.choices.map(\.index) == [0, 1, 2, 3])
            #expect(reply.choices.map(\.text) == [expected[0].text, expected[0].text, expected[1].text, expected[1].text])
            // Each prompt counts once, each choice's tokens count.
            #expect(reply.usage?.promptTokens == expected[0].promptTokens + expected[1].promptTokens)
            #expect(reply.usage?.completionTokens == 2 * (expected[0].completionTokens + expected[1].completionTokens))
        }
    }

    @Test func seededSamplingIsRepeatableAndMatchesInProcessRowSeeds() async throws {
        let local = try ServeFixture.completer()
        try await ServeHarness.with { harness in
            let request = CompletionRequestBody(model: "", prompt: "the", maxTokens: 24, temperature: 1.5, n: 3,
                                                seed: 41)
            let first = try await harness.completion(request)
            let second = try await harness.completion(request)
            #expect(first.choices.map(\.text) == second.choices.map(\.text))
            // Row seeds are seed + choice index: the same rows in-process give the same samples.
            let options = DecodingSettings(maxTokens: 24, temperature: 1.5)
            let expected = try local.complete(["the", "the", "the"], options: options, seeds: [41, 42, 43])
            #expect(first.choices.map(\.text) == expected.map(\.text))
            #expect(Set(expected.map(\.text)).count > 1, "hot sampling with different seeds should differ")
        }
    }

    @Test func stopStringCutsTheTextAndFinishesWithStop() async throws {
        let local = try ServeFixture.completer()
        let full = try local.complete(["one"], options: .greedy(maxTokens: 40), seeds: [0])[0].text
        // A stop string that first occurs after the start of the text: the answer is everything before it.
        let scalars = Array(full.unicodeScalars)
        let position = try #require((1..<scalars.count).first { i in
            !scalars[..<i].contains(scalars[i])
        }, "the fixture text '\(full)' needs two distinct characters")
        let stop = String(scalars[position])
        let expected = String(String.UnicodeScalarView(scalars[..<position]))
        try await ServeHarness.with { harness in
            let (status, data) = try await harness.post("/v1/completions", json: """
                {"prompt": "one", "max_tokens": 40, "temperature": 0, "stop": \(try ServeHTTP.quoted(stop))}
                """)
            #expect(status == 200)
            let reply = try JSONDecoder().decode(CompletionResponseBody.self, from: data)
            #expect(reply.choices.first?.text == expected)
            #expect(reply.choices.first?.finishReason == "stop")
            // Generation stopped at the stop string: its token was the last one generated.
            #expect(reply.usage?.completionTokens == position + 1)
        }
    }

    @Test func maxTokensEndsWithLength() async throws {
        try await ServeHarness.with { harness in
            let reply = try await harness.completion(CompletionRequestBody(
                model: "tiny", prompt: "the cat", maxTokens: 3, temperature: 0, logprobs: 0))
            let choice = try #require(reply.choices.first)
            #expect(choice.finishReason == "length")
            #expect(choice.text.unicodeScalars.count == 3)
            #expect(reply.usage?.completionTokens == 3)
            let logprobs = try #require(choice.logprobs)
            #expect(logprobs.tokens.joined() == choice.text)
            #expect(logprobs.tokenLogprobs.count == 3 && logprobs.tokenLogprobs.allSatisfy { $0 <= 0 && $0.isFinite })
        }
    }

    @Test func chatRendersMessagesJoinedByABlankLine() async throws {
        let local = try ServeFixture.completer()
        let expected = try local.complete(["we\n\nserve"], options: .greedy(maxTokens: 30), seeds: [0])[0]
        try await ServeHarness.with { harness in
            let reply = try await harness.post("/v1/chat/completions", ChatRequestBody(
                model: "tiny", messages: [ChatMessage(role: "system", content: "we"),
                                          ChatMessage(role: "user", content: "serve")],
                maxTokens: 30, temperature: 0), as: ChatResponseBody.self)
            #expect(reply.object == "chat.completion")
            #expect(reply.choices.first?.message == ChatMessage(role: "assistant", content: expected.text))
            #expect(reply.choices.first?.finishReason == expected.finishReason)
            #expect(reply.usage?.promptTokens == "we\n\nserve".unicodeScalars.count + 1)
        }
    }

    @Test func concurrentRequestsAreBatchedWithoutChangingGreedyText() async throws {
        let local = try ServeFixture.completer()
        let expected = try Self.prompts.map {
            try local.complete([$0], options: .greedy(maxTokens: 30), seeds: [0])[0].text
        }
        try await ServeHarness.with({ $0.batchRows = 4; $0.batchWait = 0.05 }) { harness in
            let texts = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for (i, prompt) in Self.prompts.enumerated() {
                    group.addTask {
                        let reply = try await harness.completion(CompletionRequestBody(
                            model: "tiny", prompt: prompt, maxTokens: 30, temperature: 0))
                        return (i, reply.choices.first?.text ?? "<none>")
                    }
                }
                var texts = [String](repeating: "", count: Self.prompts.count)
                for try await (i, text) in group { texts[i] = text }
                return texts
            }
            #expect(texts == expected)
        }
    }

    @Test func concurrentRequestsWithDifferentOptionsEachGetTheirOwn() async throws {
        // Rows share a batch only when their options are equal; mixed requests must each keep theirs.
        let local = try ServeFixture.completer()
        let requests: [(prompt: String, maxTokens: Int, temperature: Double, stop: [String])] = [
            ("the cat", 30, 0, []), ("one two", 5, 0, []), ("red green", 30, 1, []), ("we serve", 30, 0, ["e"]),
            ("a b c", 12, 0, []), ("the cat", 30, 0, [" "]),
        ]
        let expected = try requests.enumerated().map { i, r in
            try local.complete([r.prompt], options: DecodingSettings(
                maxTokens: r.maxTokens, temperature: r.temperature, stop: r.stop), seeds: [UInt64(100 + i)])[0].text
        }
        try await ServeHarness.with({ $0.batchRows = 8; $0.batchWait = 0.05 }) { harness in
            let texts = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for (i, r) in requests.enumerated() {
                    group.addTask {
                        let reply = try await harness.completion(CompletionRequestBody(
                            model: "tiny", prompt: r.prompt, maxTokens: r.maxTokens, temperature: r.temperature,
                            stop: r.stop, seed: Int64(100 + i)))
                        return (i, reply.choices.first?.text ?? "<none>")
                    }
                }
                var texts = [String](repeating: "", count: requests.count)
                for try await (i, text) in group { texts[i] = text }
                return texts
            }
            #expect(texts == expected)
        }
    }

    @Test func aRequestLargerThanABatchIsSplitWithoutChangingItsRows() async throws {
        let local = try ServeFixture.completer()
        let options = DecodingSettings(maxTokens: 20, temperature: 1)
        let expected = try local.complete(["the", "the", "the", "one", "one", "one"], options: options,
                                          seeds: [7, 8, 9, 10, 11, 12])
        try await ServeHarness.with({ $0.batchRows = 2 }) { harness in
            let (status, data) = try await harness.post("/v1/completions", json: """
                {"prompt": ["the", "one"], "n": 3, "max_tokens": 20, "temperature": 1, "seed": 7}
                """)
            #expect(status == 200)
            let reply = try JSONDecoder().decode(CompletionResponseBody.self, from: data)
            #expect(reply.choices.map(\.text) == expected.map(\.text))
        }
    }

    @Test func stopLetsAnInFlightRequestFinish() async throws {
        let configuration = ServeConfiguration(host: "127.0.0.1", port: 0)
        let server = ModelServer(model: try ServedModel.load(contentsOf: try ServeFixture.checkpoint()),
                                 configuration: configuration)
        let port = try await server.start()
        let base = "http://127.0.0.1:\(port)"
        let body = try JSONEncoder().encode(CompletionRequestBody(
            model: "tiny", prompt: Array(repeating: "the cat", count: 16).joined(separator: "\n"), maxTokens: 40,
            temperature: 0))
        let inFlight = Task { try await ServeHTTP.send(base: base, "POST", "/v1/completions", body: body) }
        while server.generationRequests == 0 { try await Task.sleep(nanoseconds: 1_000_000) }
        await server.stop()
        let (status, data) = try await inFlight.value
        #expect(status == 200, "\(String(decoding: data, as: UTF8.self))")
        #expect(try JSONDecoder().decode(CompletionResponseBody.self, from: data).choices.count == 1)
        #expect(server.port == nil)
    }

    @Test func modelsAndHealth() async throws {
        try await ServeHarness.with({ _ in }) { harness in
            let (status, data) = try await harness.send("GET", "/v1/models")
            #expect(status == 200)
            let list = try JSONDecoder().decode(ModelListBody.self, from: data)
            #expect(list.data.map(\.id) == ["tiny"])
            let (healthStatus, health) = try await harness.send("GET", "/health")
            #expect(healthStatus == 200)
            #expect(String(decoding: health, as: UTF8.self).contains("\"ok\""))
        }
    }
}
