import Foundation
import LemaCore
import Math

/// One kept correction: a line of `correct`'s `corrections.jsonl` (and of `dedupe`'s output when it dedupes
/// corrections), read by `mix`. Written as canonical JSON (sorted keys); see "Record formats" in docs/spec.md.
struct CorrectionRecord: Equatable {
    static let record = "correction record"
    static let keys = ["problem_id", "sample", "question", "original", "incorrect_step", "explanation",
                       "corrected_steps", "corrected", "corrected_answer", "gold", "corrector", "error_kind",
                       "degradation"]

    var problemID: String
    var sample: Int
    var question: String
    /// The wrong solution as sampled.
    var original: String
    /// 1-based step the corrector blames.
    var incorrectStep: Int
    var explanation: String
    /// The corrected steps from `incorrectStep` on, as `Step k:` lines.
    var correctedSteps: String
    /// The whole corrected solution (original steps before `incorrectStep`, then the corrected ones).
    var corrected: String
    var correctedAnswer: Double?
    var gold: Double?
    /// `oracle`, `oracle(q=…)` or `llm:<model>`.
    var corrector: String
    /// The injected mistake's kind (oracle), `unknown` (llm).
    var errorKind: String
    /// How the oracle degraded its correction (`none` when it did not).
    var degradation: String
    /// `llm` only: outputs the correction parser rejected before this one (absent when none).
    var unparseableOutputs: Int?

    /// The correction of `mistake`, a path sampled on `problem`.
    init(mistake: SampleRecord.Path, problem: Problem, correction: Correction, corrector: String, errorKind: String,
         degradation: String, unparseableOutputs: Int? = nil) {
        let original = Solution(parsing: mistake.text)
        problemID = problem.id
        sample = mistake.sample
        question = problem.question
        self.original = mistake.text
        incorrectStep = correction.incorrectStep
        explanation = correction.explanation
        correctedSteps = Solution(steps: correction.correctedSteps).text
        corrected = correction.correctedSolution(original: original).text
        correctedAnswer = correction.finalAnswer.value
        gold = problem.answer
        self.corrector = corrector
        self.errorKind = errorKind
        self.degradation = degradation
        self.unparseableOutputs = unparseableOutputs
    }

    /// Reads every field; a missing or mistyped one fails naming it and where the record came from.
    init(_ fields: RecordFields) throws {
        let label = fields.values["problem_id"]?.stringValue.map { "\($0)#\(fields.values["sample"]?.intValue ?? 0)" }
        try fields.require(Self.keys, label: label, hint: "bind a `correct` stage (or a `dedupe` of one)")
        problemID = try fields.string("problem_id")
        sample = try fields.int("sample")
        question = try fields.string("question")
        original = try fields.string("original")
        incorrectStep = try fields.int("incorrect_step")
        explanation = try fields.string("explanation")
        correctedSteps = try fields.string("corrected_steps")
        corrected = try fields.string("corrected")
        correctedAnswer = try fields.number("corrected_answer")
        gold = try fields.number("gold")
        corrector = try fields.string("corrector")
        errorKind = try fields.string("error_kind")
        degradation = try fields.string("degradation")
        unparseableOutputs = try fields.optional("unparseable_outputs", fields.int)
    }

    /// `problem_id#sample`: the mistake this corrects.
    var id: String { "\(problemID)#\(sample)" }

    var json: [String: JSONValue] {
        var out: [String: JSONValue] = [
            "problem_id": .string(problemID), "sample": .int(Int64(sample)), "question": .string(question),
            "original": .string(original), "incorrect_step": .int(Int64(incorrectStep)),
            "explanation": .string(explanation), "corrected_steps": .string(correctedSteps),
            "corrected": .string(corrected), "corrected_answer": RecordLine.number(correctedAnswer),
            "gold": RecordLine.number(gold), "corrector": .string(corrector), "error_kind": .string(errorKind),
            "degradation": .string(degradation),
        ]
        if let unparseableOutputs { out["unparseable_outputs"] = .int(Int64(unparseableOutputs)) }
        return out
    }

    var line: Data { RecordLine.encode(json) }
}

/// The ledger payload of one mistake in `correct`: the kept correction, or why none was kept
/// (`{"rejected": reason}`, with `unparseable_outputs` for the LLM corrector). Only kept ones reach the artifact.
enum CorrectionOutcome: Equatable {
    case kept(CorrectionRecord)
    /// `not_a_mistake`, `rejected` (wrong answer or impossible step) or `unparseable_output`.
    case rejected(reason: String, unparseableOutputs: Int? = nil)

    var payload: Data {
        switch self {
        case .kept(let record):
            return record.line
        case .rejected(let reason, let unparseable):
            var fields: [String: JSONValue] = ["rejected": .string(reason)]
            if let unparseable { fields["unparseable_outputs"] = .int(Int64(unparseable)) }
            return RecordLine.encode(fields)
        }
    }

    /// A payload written by `payload`.
    init(payload: Data, key: String) throws {
        let fields = try RecordFields(payload: payload, key: key, record: CorrectionRecord.record)
        if fields.values["rejected"] != nil {
            self = .rejected(reason: try fields.string("rejected"),
                             unparseableOutputs: try fields.optional("unparseable_outputs", fields.int))
        } else {
            self = .kept(try CorrectionRecord(fields))
        }
    }

    /// Parser-rejected outputs counted in this payload (0 when none).
    var unparseableOutputs: Int {
        switch self {
        case .kept(let record): record.unparseableOutputs ?? 0
        case .rejected(_, let count): count ?? 0
        }
    }
}
