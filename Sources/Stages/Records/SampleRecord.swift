import Foundation
import LemaCore
import Math

/// One sampled reasoning path: a line of `sample`'s `samples.jsonl`, of `filter`'s output (the same lines, passed
/// through byte for byte) and of `evaluate`'s `predictions.jsonl` (one greedy path per question, sample 0).
/// Written as canonical JSON (sorted keys); see "Record formats" in docs/spec.md.
struct SampleRecord: Equatable {
    static let record = "sample record"
    static let keys = ["problem_id", "sample", "question", "gold", "text", "answer", "correct", "difficulty"]

    var problemID: String
    /// Which of the question's k paths (0-based).
    var sample: Int
    var question: String
    /// The gold answer (null when the problem has none).
    var gold: Double?
    /// The generated text.
    var text: String
    /// The answer extracted from `text` (null when none was found).
    var answer: Double?
    /// Whether `answer` matches `gold`.
    var correct: Bool
    var difficulty: Int

    /// The record of `text` generated for `problem`: its answer extracted and checked against the gold one.
    init(problem: Problem, sample: Int, text: String) {
        let extracted = AnswerExtraction.extract(text)
        problemID = problem.id
        self.sample = sample
        question = problem.question
        gold = problem.answer
        self.text = text
        answer = extracted.value
        correct = AnswerComparison.matches(extracted, gold: problem.answer)
        difficulty = problem.difficulty
    }

    /// Reads every field; a missing or mistyped one fails naming it and where the record came from.
    init(_ fields: RecordFields) throws {
        try fields.require(Self.keys, hint: "bind a `sample` stage")
        problemID = try fields.string("problem_id")
        sample = try fields.int("sample")
        question = try fields.string("question")
        gold = try fields.number("gold")
        text = try fields.string("text")
        answer = try fields.number("answer")
        correct = try fields.bool("correct")
        difficulty = try fields.int("difficulty")
    }

    /// A ledger payload written by `line`.
    init(payload: Data, key: String) throws {
        try self.init(RecordFields(payload: payload, key: key, record: Self.record))
    }

    var json: [String: JSONValue] {
        [
            "problem_id": .string(problemID), "sample": .int(Int64(sample)), "question": .string(question),
            "gold": RecordLine.number(gold), "text": .string(text), "answer": RecordLine.number(answer),
            "correct": .bool(correct), "difficulty": .int(Int64(difficulty)),
        ]
    }

    /// The record's line (canonical JSON, no line break).
    var line: Data { RecordLine.encode(json) }

    /// What `filter` and `correct` read of a sample record: which path of which question, its text, and (for
    /// `filter`) whether it is correct. Their other fields are not needed (and `filter` passes lines through
    /// unchanged), so records made by other tools need only these.
    struct Path: Equatable {
        var problemID: String
        /// 0 when absent.
        var sample: Int
        var text: String
        var correct: Bool?

        init(problemID: String, sample: Int, text: String, correct: Bool? = nil) {
            self.problemID = problemID
            self.sample = sample
            self.text = text
            self.correct = correct
        }

        /// `needsVerdict`: `correct` is required (the filter keeps or drops by it).
        init(_ fields: RecordFields, needsVerdict: Bool, hint: String) throws {
            try fields.require(needsVerdict ? ["problem_id", "text", "correct"] : ["problem_id", "text"], hint: hint)
            problemID = try fields.string("problem_id")
            sample = try fields.optional("sample", fields.int) ?? 0
            text = try fields.string("text")
            correct = needsVerdict ? try fields.bool("correct") : try fields.optional("correct", fields.bool)
        }

        /// The ledger key of a path: `problem_id#sample`.
        var key: String { "\(problemID)#\(sample)" }
    }
}
