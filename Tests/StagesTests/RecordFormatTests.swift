import Foundation
import LemaCore
import Math
import Testing
@testable import Stages

/// The record types between stages write today's bytes (canonical JSON, sorted keys) and read back what they wrote;
/// a missing or mistyped field is reported with `file:line` and its name.
@Suite struct RecordFormatTests {
    static let problem = Problem(id: "p1", question: "Tom has 3 apples and buys 4. How many?",
                                 solution: "Step 1: 3 + 4 = 7. The answer is 7.", answer: 7, difficulty: 2,
                                 split: .train)

    @Test func sampleRecordWritesTheDocumentedLineAndReadsItBack() throws {
        let wrong = SampleRecord(problem: Self.problem, sample: 3, text: "Step 1: 3 + 4 = 8. The answer is 8.")
        #expect(String(decoding: wrong.line, as: UTF8.self) == #"{"answer":8,"correct":false,"difficulty":2,"#
            + #""gold":7,"problem_id":"p1","question":"Tom has 3 apples and buys 4. How many?","sample":3,"#
            + #""text":"Step 1: 3 + 4 = 8. The answer is 8."}"#)
        let none = SampleRecord(problem: Self.problem, sample: 0, text: "I do not know")
        #expect(String(decoding: none.line, as: UTF8.self).contains(#""answer":null"#))
        for record in [wrong, none] {
            #expect(try SampleRecord(payload: record.line, key: "p1#0") == record)
        }
    }

    static func correction(unparseable: Int?) -> CorrectionRecord {
        let mistake = SampleRecord.Path(problemID: "p1", sample: 2, text: "Step 1: 3 + 4 = 8. The answer is 8.")
        return CorrectionRecord(
            mistake: mistake, problem: problem,
            correction: Correction(incorrectStep: 1, explanation: "3 + 4 is 7, not 8.",
                                   correctedSteps: [Step(number: 1, text: "3 + 4 = 7. The answer is 7.")]),
            corrector: "oracle", errorKind: "arithmetic", degradation: "none", unparseableOutputs: unparseable)
    }

    @Test(arguments: [nil, 2]) func correctionOutcomesRoundTripThroughTheirPayloads(unparseable: Int?) throws {
        let record = Self.correction(unparseable: unparseable)
        let text = String(decoding: record.line, as: UTF8.self)
        #expect(text.hasPrefix(#"{"corrected":"#) && text.contains(#""incorrect_step":1"#))
        #expect(text.contains("unparseable_outputs") == (unparseable != nil))
        let outcomes: [CorrectionOutcome] = [
            .kept(record), .rejected(reason: "not_a_mistake"),
            .rejected(reason: "unparseable_output", unparseableOutputs: unparseable),
        ]
        for outcome in outcomes {
            #expect(try CorrectionOutcome(payload: outcome.payload, key: "p1#2") == outcome)
        }
        #expect(String(decoding: CorrectionOutcome.rejected(reason: "rejected", unparseableOutputs: 0).payload,
                       as: UTF8.self) == #"{"rejected":"rejected","unparseable_outputs":0}"#)
    }

    /// (line, what the error must mention) for lines that are JSON objects but not sample records.
    static let badSamples: [(String, [String])] = [
        (#"{"problem_id":"p1","text":"x"}"#, ["bad.jsonl:2", "not a sample record", "'correct'"]),
        (#"{"text":"x","correct":true}"#, ["bad.jsonl:2", "'problem_id'"]),
        (#"{"problem_id":"p1","text":"x","correct":"yes"}"#, ["bad.jsonl:2", "field 'correct'", "true or false", "\"yes\""]),
        (#"{"problem_id":7,"text":"x","correct":true}"#, ["bad.jsonl:2", "field 'problem_id'", "a string"]),
        (#"{"problem_id":"p1","sample":"one","text":"x","correct":true}"#, ["bad.jsonl:2", "field 'sample'", "an integer"]),
    ]

    @Test func malformedSampleRecordsNameTheLineAndTheField() throws {
        let good = SampleRecord(problem: Self.problem, sample: 0, text: "x").line
        for (bad, fragments) in Self.badSamples {
            let data = good + Data("\n\(bad)\n".utf8)
            let lines = JSONLines.split(data, file: URL(fileURLWithPath: "/d/bad.jsonl"))
            #expect(try SampleRecord.Path(RecordFields(lines[0], record: SampleRecord.record), needsVerdict: true,
                                          hint: "h").key == "p1#0")
            expectStageFailure(fragments) {
                _ = try SampleRecord.Path(RecordFields(lines[1], record: SampleRecord.record), needsVerdict: true,
                                          hint: "h")
            }
        }
    }

    @Test func aCorrectionRecordLackingFieldsNamesThemAll() throws {
        var fields = Self.correction(unparseable: nil).json
        fields["explanation"] = nil
        fields["corrected_steps"] = nil
        let lines = JSONLines.split(Data(JSONValue.object(fields).canonicalText.utf8),
                                    file: URL(fileURLWithPath: "/d/c.jsonl"))
        expectStageFailure(["c.jsonl:1", "p1#2", "'explanation'", "'corrected_steps'"]) {
            _ = try CorrectionRecord(RecordFields(lines[0], record: CorrectionRecord.record))
        }
        var mistyped = Self.correction(unparseable: nil).json
        mistyped["incorrect_step"] = .string("one")
        expectStageFailure(["ledger item 'k'", "field 'incorrect_step'", "an integer"]) {
            _ = try CorrectionOutcome(payload: Data(JSONValue.object(mistyped).canonicalText.utf8), key: "k")
        }
    }
}
