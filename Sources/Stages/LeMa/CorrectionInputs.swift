import Foundation
import LemaCore
import Math
import StageAPI

/// What every corrector of the `correct` stage reads (the mistakes and their problems) and how its per-item
/// payloads become the `corrections` artifact and the summary counts.
struct CorrectionInputs {
    var mistakes: [[String: JSONValue]]
    /// Ledger key per mistake: `problem_id#sample`.
    var keys: [String]
    var problems: [String: Problem]

    init(_ context: any StageContext) throws {
        guard let input = context.inputs("input").first else {
            throw StageFailure("stage '\(context.stageName)': no input bound to 'input'", retryable: false)
        }
        guard !context.inputs("problems").isEmpty else {
            throw StageFailure("stage '\(context.stageName)': no input bound to 'problems' (the dataset split the "
                + "mistakes were sampled on)", retryable: false)
        }
        let problemList = try ProblemFiles.read(context, parameter: "problems", split: "train")
        problems = Dictionary(problemList.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        mistakes = try JSONLines.read(try input.file(default: "samples")).map { line in
            let record = try line.object()
            guard record["problem_id"]?.stringValue != nil, record["text"]?.stringValue != nil else {
                throw StageFailure("\(line.file.path):\(line.lineNumber): not a sample record (needs problem_id "
                    + "and text; bind a `filter` or `sample` stage)", retryable: false)
            }
            return record
        }
        keys = mistakes.map { "\($0["problem_id"]?.stringValue ?? "?")#\($0["sample"]?.intValue ?? 0)" }
    }

    /// The problem a mistake was sampled on.
    func problem(of mistake: [String: JSONValue], key: String) throws -> Problem {
        let id = mistake["problem_id"]?.stringValue ?? ""
        guard let problem = problems[id] else {
            throw StageFailure("mistake \(key): problem '\(id)' is not in the `problems` input; bind the split the "
                + "samples were drawn from", retryable: false)
        }
        return problem
    }

    /// Writes the kept corrections and counts the outcomes (`kept`, and each `rejected` reason); each field named
    /// in `totals` is summed over all payloads into the summary (0 when none has it).
    func finish(_ payloads: [Data], context: any StageContext, extra: [String: JSONValue] = [:],
                totals: [String] = []) throws -> StageOutcome {
        var kept: [Data] = []
        // `unparseable`: mistakes with no `Step k:` line (the oracle still corrects them, from step 1).
        let unparseable = mistakes.filter { Solution(parsing: $0["text"]?.stringValue ?? "").steps.isEmpty }.count
        var counts: [String: Int64] = ["mistakes": Int64(mistakes.count), "kept": 0, "rejected": 0, "not_a_mistake": 0,
                                       "unparseable": Int64(unparseable)]
        for key in totals { counts[key] = 0 }
        for payload in payloads {
            let object = try JSONValue.parse(payload).objectValue ?? [:]
            for key in totals { counts[key, default: 0] += Int64(object[key]?.intValue ?? 0) }
            if let outcome = object["rejected"]?.stringValue {
                counts[outcome, default: 0] += 1
            } else {
                counts["kept", default: 0] += 1
                kept.append(payload)
            }
        }
        try RecordLine.write(kept, to: context.outputDirectory.appendingPathComponent("corrections.jsonl"))
        return StageOutcome(artifacts: ["corrections": "corrections.jsonl"],
                            summary: counts.mapValues { JSONValue.int($0) }.merging(extra, uniquingKeysWith: { _, new in new }))
    }

    /// A kept correction, as `mix` reads it.
    /// `extra` fields are added as they are.
    static func record(mistake: [String: JSONValue], problem: Problem, correction: Correction, corrector: String,
                       errorKind: String, degradation: String, extra: [String: JSONValue] = [:]) -> Data {
        let text = mistake["text"]?.stringValue ?? ""
        let original = Solution(parsing: text)
        let fields: [String: JSONValue] = [
            "problem_id": .string(problem.id),
            "sample": mistake["sample"] ?? .int(0),
            "question": .string(problem.question),
            "original": .string(text),
            "incorrect_step": .int(Int64(correction.incorrectStep)),
            "explanation": .string(correction.explanation),
            "corrected_steps": .string(Solution(steps: correction.correctedSteps).text),
            "corrected": .string(correction.correctedSolution(original: original).text),
            "corrected_answer": RecordLine.number(correction.finalAnswer.value),
            "gold": RecordLine.number(problem.answer),
            "corrector": .string(corrector),
            "error_kind": .string(errorKind),
            "degradation": .string(degradation),
        ]
        return RecordLine.encode(fields.merging(extra, uniquingKeysWith: { _, new in new }))
    }
}
