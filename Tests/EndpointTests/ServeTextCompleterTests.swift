import Foundation
import LemaCore
import Serve
import Testing
import TinyGPT

/// `TextCompleter`, the text layer shared by the in-process stages and the server.
@Suite("TextCompleter")
struct ServeTextCompleterTests {
    @Test func matchesTheSamplerOnBosPlusPromptTokens() throws {
        let local = try ServeFixture.completer()
        let prompt = "red green"
        let text = try local.complete([prompt], options: .greedy(maxTokens: 20), seeds: [0])[0]
        let ids = [SpecialTokens.bos] + local.tokenizer.encode(prompt)
        let raw = try Sampler.generate(model: local.model, prompts: [ids], options: .greedy(maxNewTokens: 20),
                                       threads: 1, rowSeeds: [0])
        let expected = raw.tokens[0].filter { $0 != SpecialTokens.eos }
        #expect(text.text == local.tokenizer.decode(expected))
        #expect(text.promptTokens == ids.count)
        #expect(text.completionTokens == raw.tokens[0].count)
        #expect(text.tokenLogprobs == raw.logProbs[0])
        #expect(text.finish == (raw.finishReasons[0] == .stopToken ? .stop : .length))
    }

    @Test(arguments: [4, 10, 40])
    func overLongPromptsKeepTheirNewestTokensLeavingRoomForTheAnswer(maxTokens: Int) throws {
        let local = try ServeFixture.completer()
        let context = local.model.config.contextLength  // 48
        let prompt = String(repeating: "one two three four five six. ", count: 4)  // 116 characters
        let kept = local.promptTokens(prompt, maxTokens: maxTokens)
        // Room for the prompt: the context less the answer's share, which is capped at half the context.
        let room = context - min(maxTokens, context / 2)
        #expect(kept.count == room)
        #expect(kept.first == SpecialTokens.bos)
        #expect(local.tokenizer.decode(Array(kept.dropFirst())) == String(prompt.suffix(room - 1)))
        let out = try local.complete([prompt], options: .greedy(maxTokens: maxTokens), seeds: [0])[0]
        #expect(out.promptTokens == room)
        #expect(out.completionTokens <= min(maxTokens, context - room))
    }

    @Test func aRowsTextDoesNotDependOnItsBatchMates() throws {
        let local = try ServeFixture.completer()
        let options = DecodingSettings(maxTokens: 16, temperature: 1, topK: 5)
        let alone = try local.complete(["the"], options: options, seeds: [9])[0]
        let batched = try local.complete(["we serve", "the", "a b"], options: options, seeds: [3, 9, 4])[1]
        #expect(alone.text == batched.text)
    }

    @Test func stopStringsCutAtTheEarliestOccurrence() throws {
        let local = try ServeFixture.completer()
        let full = try local.complete(["the cat"], options: .greedy(maxTokens: 30), seeds: [0])[0].text
        let scalars = Array(full.unicodeScalars)
        try #require(scalars.count >= 4, "fixture text '\(full)'")
        // Two stops: a late one listed first and an early one; the earliest occurrence wins.
        let late = String(String.UnicodeScalarView(scalars[(scalars.count - 2)...]))
        let early = String(String.UnicodeScalarView(scalars[1...2]))
        let cut = try local.complete(["the cat"], options: .greedy(maxTokens: 30, stop: [late, early]), seeds: [0])[0]
        let firsts = [late, early].compactMap { full.range(of: $0)?.lowerBound }
        let earliest = try #require(firsts.min())
        #expect(cut.text == String(full[..<earliest]))
        #expect(cut.finish == .stop)
    }

    @Test func seedCountMustMatchPrompts() throws {
        let local = try ServeFixture.completer()
        #expect(throws: GPTError.self) { try local.complete(["a", "b"], options: .greedy(), seeds: [1]) }
    }

    /// Records what an observer hears; abandons `abandon` rows after `after` tokens.
    final class Recorder: TextCompletionObserver {
        var tokens: [[Int32]]
        var logprobs: [[Float]]
        var finished: [TextCompletion?]
        let abandon: Set<Int>
        let after: Int

        init(rows: Int, abandon: Set<Int> = [], after: Int = 0) {
            tokens = Array(repeating: [], count: rows)
            logprobs = Array(repeating: [], count: rows)
            finished = Array(repeating: nil, count: rows)
            self.abandon = abandon
            self.after = after
        }

        func generated(row: Int, token: Int32, logprob: Float) {
            #expect(finished[row] == nil, "no token after a row's end")
            tokens[row].append(token)
            logprobs[row].append(logprob)
        }

        func finished(row: Int, _ completion: TextCompletion) {
            #expect(finished[row] == nil, "a row ends once")
            finished[row] = completion
        }

        func shouldAbandon(row: Int) -> Bool { abandon.contains(row) && tokens[row].count >= after }
    }

    @Test func anObserverHearsEveryRowWithoutChangingIt() throws {
        let local = try ServeFixture.completer()
        let prompts = ["the cat", "one two", "red green", "we"]
        let options = DecodingSettings(maxTokens: 30, temperature: 1.2, stop: ["e,", " t"])
        let seeds: [UInt64] = [3, 4, 5, 6]
        let plain = try local.complete(prompts, options: options, seeds: seeds)
        let recorder = Recorder(rows: prompts.count)
        let observed = try local.complete(prompts, options: options, seeds: seeds, observer: recorder)
        #expect(observed == plain)
        #expect(recorder.finished == plain.map { $0 })
        for (row, completion) in plain.enumerated() {
            // Every token but the one that ends the row is heard as it is generated.
            #expect(recorder.tokens[row].map { local.tokenizer.piece(for: $0) } == Array(completion.tokens.dropLast()))
            #expect(recorder.logprobs[row] == Array(completion.tokenLogprobs.dropLast()))
        }
    }

    @Test func abandoningARowEndsItAndLeavesItsBatchMatesUnchanged() throws {
        let local = try ServeFixture.completer()
        let prompts = ["the cat", "one two", "red green"]
        let options = DecodingSettings.greedy(maxTokens: 40)
        let plain = try local.complete(prompts, options: options, seeds: [0, 0, 0])
        try #require(plain[1].completionTokens > 4)
        let recorder = Recorder(rows: 3, abandon: [1], after: 3)
        let observed = try local.complete(prompts, options: options, seeds: [0, 0, 0], observer: recorder)
        #expect(observed[0] == plain[0] && observed[2] == plain[2])
        #expect(observed[1].completionTokens == 4, "abandoned at the first token after the third")
        #expect(recorder.finished[1] == observed[1])
    }
}
