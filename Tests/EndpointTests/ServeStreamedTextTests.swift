import Foundation
import NIOCore
import OpenAIWire
@testable import Serve
import Testing
import TinyGPT

/// What a streamed choice may send before its answer is complete, and the events of a stream that fails.
@Suite("lema serve: streamed text")
struct ServeStreamedTextTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var sent = 0
        var stops: [String] = []
        /// Scalars that may be sent.
        var end: Int
        var testDescription: String { "\(text.debugDescription) sent \(sent) stops \(stops)" }
    }

    static let cases: [Case] = [
        Case(text: "hello", end: 5),
        Case(text: "hello\u{FFFD}", end: 5),  // the start of a character split across tokens
        Case(text: "hel\u{FFFD}\u{FFFD}", end: 3),
        Case(text: "hello wo", stops: ["world"], end: 6),  // "wo" may become "world"
        Case(text: "hello wx", stops: ["world"], end: 8),  // it did not
        Case(text: "hello world!", stops: ["world"], end: 6),  // the answer ends before the stop string
        Case(text: "say ", stops: [" "], end: 3),
        Case(text: "abc", stops: ["xyz", "c"], end: 2),
        Case(text: "abcab", sent: 3, stops: ["abd"], end: 3),  // positions already sent are not searched again
        Case(text: "abcabx", sent: 3, stops: ["abd"], end: 6),
    ]

    @Test(arguments: cases)
    func sendableEnd(_ testCase: Case) {
        let end = StreamedText.sendableEnd(of: Array(testCase.text.unicodeScalars), sent: testCase.sent,
                                           stops: testCase.stops.map { Array($0.unicodeScalars) })
        #expect(end == testCase.end)
    }

    static func events(_ buffer: ByteBuffer) -> [String] {
        String(buffer: buffer).components(separatedBy: "\n\n").filter { !$0.isEmpty }.map {
            #expect($0.hasPrefix("data: "))
            return String($0.dropFirst(6))
        }
    }

    /// A stop string's start is held until a token shows it is not one; a failure after some chunks is an error
    /// event (the 200 has gone out), and no usage follows it.
    @Test func heldTextIsReleasedAndAFailureIsAnErrorEvent() throws {
        let tokenizer = CharTokenizer(trainingTexts: ["abc de"])
        var answer = StreamedAnswer(kind: .completion, choices: 1, n: 1, stops: ["c x"], logprobs: true,
                                    includeUsage: true, id: "cmpl-1", created: 7, model: "tiny", tokenizer: tokenizer)
        #expect(answer.opening().readableBytes == 0)
        var texts: [String] = []
        var logprobCounts: [Int] = []
        for token in tokenizer.encode("abc d") {
            for event in Self.events(answer.token(row: 0, token: token, logprob: -0.5)) {
                let chunk = try JSONDecoder().decode(CompletionChunkBody.self, from: Data(event.utf8))
                texts.append(chunk.choices[0].text)
                logprobCounts.append(chunk.choices[0].logprobs?.tokens.count ?? 0)
                #expect(chunk.choices[0].finishReason == nil && event.contains("\"finish_reason\":null"))
            }
        }
        #expect(texts == ["a", "b", "c d"])
        #expect(logprobCounts == [1, 1, 3], "held tokens' log p go out with the text they release")
        let failure = Self.events(answer.failure(APIError(status: 500, message: "generation failed: boom",
                                                          type: "server_error")))
        let error = try JSONDecoder().decode(ErrorResponseBody.self, from: Data(try #require(failure.first).utf8))
        #expect(error.error.message == "generation failed: boom" && error.error.type == "server_error")
        #expect(Self.events(answer.closing()) == ["[DONE]"])
    }
}
