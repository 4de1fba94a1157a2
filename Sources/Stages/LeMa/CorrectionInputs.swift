import Foundation
import LemaCore
import Math
import StageAPI

/// What every corrector of the `correct` stage reads (the mistakes and their problems) and how its per-item
/// payloads become the `corrections` artifact and the summary counts.
struct CorrectionInputs {
    var mistakes: [SampleRecord.Path]
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
            try SampleRecord.Path(RecordFields(line, record: SampleRecord.record), needsVerdict: false,
                                  hint: "bind a `filter` or `sample` stage")
        }
        keys = mistakes.map(\.key)
    }

    /// The problem a mistake was sampled on.
    func problem(of mistake: SampleRecord.Path, key: String) throws -> Problem {
        let id = mistake.problemID
        guard let problem = problems[id] else {
            throw StageFailure("mistake \(key): problem '\(id)' is not in the `problems` input; bind the split the "
                + "samples were drawn from", retryable: false)
        }
        return problem
    }

    /// Writes the kept corrections and counts the outcomes (`kept`, and each `rejected` reason); with
    /// `countUnparseableOutputs`, the parser-rejected outputs of all payloads are summed into `unparseable_outputs`.
    func finish(_ payloads: [Data], context: any StageContext, extra: [String: JSONValue] = [:],
                countUnparseableOutputs: Bool = false) throws -> StageOutcome {
        var kept: [Data] = []
        // `unparseable`: mistakes with no `Step k:` line (the oracle still corrects them, from step 1).
        let unparseable = mistakes.filter { Solution(parsing: $0.text).steps.isEmpty }.count
        var counts: [String: Int64] = ["mistakes": Int64(mistakes.count), "kept": 0, "rejected": 0, "not_a_mistake": 0,
                                       "unparseable": Int64(unparseable)]
        if countUnparseableOutputs { counts["unparseable_outputs"] = 0 }
        for (key, payload) in zip(keys, payloads) {
            let outcome = try CorrectionOutcome(payload: payload, key: key)
            if countUnparseableOutputs { counts["unparseable_outputs", default: 0] += Int64(outcome.unparseableOutputs) }
            switch outcome {
            case .rejected(let reason, _):
                counts[reason, default: 0] += 1
            case .kept:
                counts["kept", default: 0] += 1
                kept.append(payload)
            }
        }
        try RecordLine.write(kept, to: context.outputDirectory.appendingPathComponent("corrections.jsonl"))
        return StageOutcome(artifacts: ["corrections": "corrections.jsonl"],
                            summary: counts.mapValues { JSONValue.int($0) }.merging(extra, uniquingKeysWith: { _, new in new }))
    }
}
