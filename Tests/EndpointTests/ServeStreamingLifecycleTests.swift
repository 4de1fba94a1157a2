import AsyncHTTPClient
import Foundation
import OpenAIWire
@testable import Serve
import Testing
import TinyGPT

/// Streams while they are generated: chunks leave before the answer ends, a client that leaves ends its rows, and
/// stopping the server lets a stream finish. Generation is held at known tokens with `TokenGate`.
@Suite("lema serve: streaming while generating")
struct ServeStreamingLifecycleTests {
    /// With generation held after each token, every chunk is read while the server is still generating, and one
    /// chunk arrives per token (the fixture's tokenizer has one token per character).
    @Test func chunksLeaveAsTokensAreGenerated() async throws {
        let local = try ServeFixture.completer()
        let expected = try local.complete(["the cat"], options: .greedy(maxTokens: 40), seeds: [0])[0]
        try #require(expected.completionTokens >= 6)
        try #require(expected.text.unicodeScalars.count == expected.completionTokens - 1,
                     "every token but the end token is one character")
        let gate = TokenGate(allowed: 1)
        try await ServeHarness.with({ $0.afterStreamedToken = { gate.pass() } }) { harness in
            defer { gate.open() }
            let reader = try await EventReader(base: harness.base, path: "/v1/chat/completions", json: """
                {"messages": [{"role": "user", "content": "the cat"}], "max_tokens": 40, "temperature": 0,
                 "stream": true}
                """)
            let role = try StreamedChunks<ChatChunkBody>([try #require(try await reader.next())]).chunks
            #expect(role.first?.choices.first?.delta.role == "assistant")
            var text = ""
            for token in 1...5 {
                try await gate.waitUntilHolding(after: token)
                let event = try #require(try await reader.next())
                let chunk = try JSONDecoder().decode(ChatChunkBody.self, from: Data(event.utf8))
                // The server holds after `token` tokens of a longer answer: this chunk left before the answer ended.
                #expect(gate.tokens == token)
                #expect(harness.server.activeGenerationRows == 1)
                #expect(chunk.choices.first?.finishReason == nil)
                text += chunk.choices.first?.delta.content ?? ""
                #expect(text.unicodeScalars.count == token, "one chunk per generated token")
                gate.allow(1)
            }
            gate.open()
            let rest = try StreamedChunks<ChatChunkBody>(try await reader.rest())
            #expect(rest.endedWithDone)
            #expect(text + ServeStreamingTests.chatText(rest.chunks) == expected.text)
        }
    }

    /// A client that disconnects mid-answer ends its row at the next token (the batch is freed), and the server
    /// answers the next request as usual.
    @Test func aClientThatDisconnectsStopsItsGeneration() async throws {
        let local = try ServeFixture.completer()
        let longest = try ServeStreamingTests.prompts.map {
            ($0, try local.complete([$0], options: .greedy(maxTokens: 40), seeds: [0])[0])
        }.max { $0.1.completionTokens < $1.1.completionTokens }!
        try #require(longest.1.completionTokens >= 12, "the fixture's longest answer is too short")
        let gate = TokenGate(allowed: 2)
        try await ServeHarness.with({ $0.afterStreamedToken = { gate.pass() } }) { harness in
            defer { gate.open() }
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            let reader = try await EventReader(base: harness.base, path: "/v1/completions", json: """
                {"prompt": \(try ServeHTTP.quoted(longest.0)), "max_tokens": 40, "temperature": 0, "stream": true}
                """, client: client)
            try await gate.waitUntilHolding(after: 2)
            #expect(try await reader.next() != nil)
            try await client.shutdown()
            // Let the row go on one token at a time until the server notices the client left (the pause is
            // only room for a loaded machine: the test passes however fast the server notices).
            for _ in 0..<(longest.1.completionTokens - 4) where harness.server.abandonedRows == 0 {
                try await Task.sleep(nanoseconds: 250_000_000)
                gate.allow(1)
            }
            try await Self.waitUntil { harness.server.activeGenerationRows == 0 }
            #expect(harness.server.abandonedRows == 1)
            #expect(gate.tokens < longest.1.completionTokens - 2, "the row stopped before its answer was complete")
            gate.open()
            let next = try await harness.completion(CompletionRequestBody(
                model: "tiny", prompt: longest.0, maxTokens: 40, temperature: 0))
            #expect(next.choices.first?.text == longest.1.text)
        }
    }

    /// Stopping the server (SIGTERM in the CLI) lets a stream in flight finish.
    @Test func stopLetsAStreamInFlightFinish() async throws {
        let local = try ServeFixture.completer()
        let expected = try local.complete(["one two"], options: .greedy(maxTokens: 40), seeds: [0])[0].text
        let gate = TokenGate(allowed: 1)
        var configuration = ServeConfiguration(host: "127.0.0.1", port: 0)
        configuration.afterStreamedToken = { gate.pass() }
        let server = ModelServer(model: try ServedModel.load(contentsOf: try ServeFixture.checkpoint()),
                                 configuration: configuration)
        let port = try await server.start()
        defer { gate.open() }
        let reader = try await EventReader(base: "http://127.0.0.1:\(port)", path: "/v1/completions", json: """
            {"prompt": "one two", "max_tokens": 40, "temperature": 0, "stream": true}
            """)
        try await gate.waitUntilHolding(after: 1)
        let first = try #require(try await reader.next())
        let stopping = Task { await server.stop() }
        // Room for the shutdown to begin while generation is held (the test passes however little it got).
        try await Task.sleep(nanoseconds: 100_000_000)
        gate.open()
        let rest = try await reader.rest()
        await stopping.value
        let result = try StreamedChunks<CompletionChunkBody>([first] + rest)
        #expect(result.endedWithDone)
        #expect(ServeStreamingTests.completionText(result.chunks) == expected)
        #expect(server.port == nil)
    }

    /// A streamed request whose reader leaves while it waits for the running batch never runs.
    @Test func aStreamAbandonedBeforeItsBatchNeverRuns() async throws {
        let gate = TokenGate(allowed: 1)
        let queue = GenerationQueue(model: try ServedModel.load(contentsOf: try ServeFixture.checkpoint()),
                                    threads: 1, batchRows: 8, batchWait: 0, seedBase: 0,
                                    afterStreamedToken: { gate.pass() })
        defer { gate.open() }
        let running = queue.stream([.init(prompt: "one two", seed: 0)], options: .greedy(maxTokens: 40))
        try await gate.waitUntilHolding(after: 1)
        // Other options: it cannot join the running batch, so it waits.
        let waiting = queue.stream([.init(prompt: "the cat", seed: 0)], options: .greedy(maxTokens: 30))
        waiting.abandon()
        gate.open()
        var finished = 0
        for await event in running.events {
            if case .finished = event { finished += 1 }
        }
        var heard = 0
        for await _ in waiting.events { heard += 1 }
        queue.shutdown()
        #expect(finished == 1)
        #expect(heard == 0, "the abandoned request generated nothing")
        #expect(queue.abandonedRows.withLock { $0 } == 1)
    }

    static func waitUntil(seconds: Double = 20, _ condition: () -> Bool) async throws {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while !condition() {
            guard Date() < deadline else {
                Issue.record("condition not met within \(seconds) s")
                return
            }
            try await Task.sleep(nanoseconds: 2_000_000)
        }
    }
}
