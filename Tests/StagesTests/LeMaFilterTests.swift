import Foundation
import LemaCore
import StageAPI
import Testing
@testable import Stages

/// A hand-written `samples.jsonl`: two questions, four samples each (see the comment per line).
private let sampleLines: [String] = [
    // 0: p1 wrong, parseable
    #"{"problem_id":"p1","sample":0,"correct":false,"text":"Step 1: 3 + 4 = 8. The answer is 8.","answer":8,"gold":7}"#,
    // 1: p1 wrong, same text as 0 (spacing differs in the JSON, not in the text)
    #"{"problem_id": "p1", "sample": 1, "correct": false, "text": "Step 1: 3 + 4 = 8. The answer is 8.", "answer": 8, "gold": 7}"#,
    // 2: p1 wrong, another text
    #"{"problem_id":"p1","sample":2,"correct":false,"text":"Step 1: 3 * 4 = 12. The answer is 12.","answer":12,"gold":7}"#,
    // 3: p1 correct
    #"{"problem_id":"p1","sample":3,"correct":true,"text":"Step 1: 3 + 4 = 7. The answer is 7.","answer":7,"gold":7}"#,
    // 4: p2 wrong, no steps
    #"{"problem_id":"p2","sample":0,"correct":false,"text":"I think 5.","answer":null,"gold":8}"#,
    // 5: p2 wrong, parseable
    #"{"problem_id":"p2","sample":1,"correct":false,"text":"Step 1: 10 - 2 = 9. The answer is 9.","answer":9,"gold":8}"#,
    // 6: p2 correct
    #"{"problem_id":"p2","sample":2,"correct":true,"text":"Step 1: 10 - 2 = 8. The answer is 8.","answer":8,"gold":8}"#,
    // 7: p2 correct, same text as 6
    #"{"problem_id":"p2","sample":3,"correct":true,"text":"Step 1: 10 - 2 = 8. The answer is 8.","answer":8,"gold":8}"#,
]

struct FilterCase: Sendable, CustomTestStringConvertible {
    var params: [String: JSONValue]
    var kept: [Int]
    var summary: [String: Int]
    var testDescription: String { params.map { "\($0.key)=\($0.value.canonicalText)" }.sorted().joined(separator: ",") }
}

@Suite("filter stage")
struct LeMaFilterTests {
    static let cases: [FilterCase] = [
        FilterCase(params: [:], kept: [0, 2, 5],
                   summary: ["input": 8, "kept": 3, "dropped_correct": 3, "dropped_unparseable": 1,
                             "dropped_duplicate": 1, "capped": 0, "questions": 2]),
        FilterCase(params: ["max_per_question": .int(1)], kept: [0, 5],
                   summary: ["kept": 2, "dropped_correct": 3, "dropped_unparseable": 1, "dropped_duplicate": 1,
                             "capped": 1, "questions": 2]),
        FilterCase(params: ["drop_unparseable": .bool(false), "dedupe_text": .bool(false)], kept: [0, 1, 2, 4, 5],
                   summary: ["kept": 5, "dropped_correct": 3, "dropped_unparseable": 0, "dropped_duplicate": 0, "capped": 0]),
        FilterCase(params: ["drop_unparseable": .bool(false), "max_per_question": .int(2)], kept: [0, 2, 4, 5],
                   summary: ["kept": 4, "dropped_unparseable": 0, "dropped_duplicate": 1, "capped": 0]),
        FilterCase(params: ["keep": .string("correct")], kept: [3, 6],
                   summary: ["kept": 2, "dropped_wrong": 5, "dropped_duplicate": 1, "questions": 2]),
        FilterCase(params: ["keep": .string("correct"), "dedupe_text": .bool(false)], kept: [3, 6, 7],
                   summary: ["kept": 3, "dropped_wrong": 5, "dropped_duplicate": 0]),
    ]

    @Test(arguments: cases)
    func keepsExactlyTheExpectedLines(_ c: FilterCase) throws {
        let context = try FakeStageContext(stageName: "filter", params: c.params)
        defer { context.cleanUp() }
        let file = try context.writeFile("samples.jsonl", sampleLines.joined(separator: "\n") + "\n")
        context.setInputs("input", [.fake(stage: "sample", artifacts: ["samples": file])])
        let outcome = try FilterKind().run(context)
        // Kept lines pass through byte for byte.
        #expect(context.outputText(outcome, "samples") == c.kept.map { sampleLines[$0] + "\n" }.joined())
        for (key, value) in c.summary {
            #expect(outcome.summary[key]?.intValue == value, "summary[\(key)] = \(String(describing: outcome.summary[key]))")
        }
        let keepWrong = c.params["keep"]?.stringValue != "correct"
        #expect(outcome.summary[keepWrong ? "dropped_wrong" : "dropped_correct"] == nil)
    }

    @Test func malformedLineNamesFileAndLine() throws {
        let context = try FakeStageContext(stageName: "filter")
        defer { context.cleanUp() }
        let file = try context.writeFile("bad.jsonl", sampleLines[0] + "\n\n{\"problem_id\": \n")
        context.setInputs("input", [.fake(stage: "sample", artifacts: ["samples": file])])
        expectStageFailure(["bad.jsonl:3", "not valid JSON"]) { _ = try FilterKind().run(context) }
        #expect(context.output(StageOutcome(artifacts: ["samples": "samples.jsonl"]), "samples")
            .map { FileManager.default.fileExists(atPath: $0.path) } == false)
    }

    @Test func recordsThatAreNotSamplesAreRejected() throws {
        let context = try FakeStageContext(stageName: "filter")
        defer { context.cleanUp() }
        let file = try context.writeFile("corrections.jsonl", sampleLines[0] + "\n" + #"{"problem_id":"p1","text":"x"}"# + "\n")
        context.setInputs("input", [.fake(stage: "correct", artifacts: ["samples": file])])
        expectStageFailure(["corrections.jsonl:2", "not a sample record"]) { _ = try FilterKind().run(context) }
    }

    @Test func missingInputBinding() throws {
        let context = try FakeStageContext(stageName: "keep-wrong")
        defer { context.cleanUp() }
        expectStageFailure(["keep-wrong", "input"]) { _ = try FilterKind().run(context) }
    }

    @Test func emptyInputGivesEmptyOutput() throws {
        let context = try FakeStageContext(stageName: "filter")
        defer { context.cleanUp() }
        let file = try context.writeFile("empty.jsonl", "")
        context.setInputs("input", [.fake(stage: "sample", artifacts: ["samples": file])])
        let outcome = try FilterKind().run(context)
        #expect(context.outputText(outcome, "samples") == "")
        #expect(outcome.summary["kept"]?.intValue == 0)
    }
}
