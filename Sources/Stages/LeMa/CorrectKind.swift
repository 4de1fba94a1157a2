import Foundation
import LemaCore
import Math
import StageAPI

/// `correct`: a corrector turns each mistake into a correction (incorrect step, explanation, corrected solution).
/// The paper's rule keeps a correction only if its corrected final answer equals the gold answer.
public struct CorrectKind: StageKind {
    public init() {}
    public let name = "correct"
    public let version = 1
    public let summary = "Correct each wrong path (oracle corrector); keep corrections that reach the gold answer."

    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("input", .reference, default: nil, doc: "Mistakes: a `filter` stage (its `samples` artifact)."),
            ParameterSpec("problems", .reference, default: nil,
                          doc: "The dataset split the mistakes were sampled on (the oracle needs each problem's computation graph)."),
            ParameterSpec("corrector", .choice(["oracle"]), default: .string("oracle"),
                          doc: "`oracle`: the programmatic corrector (knows each problem's computation graph)."),
            ParameterSpec("quality", .double, default: .double(1.0),
                          doc: "Oracle quality in [0, 1]: with probability 1 − quality a correction names a neighbouring step or a vague explanation (corrector-quality ablations)."),
            ParameterSpec("chunk", .int, default: .int(64), doc: "Items per ledger chunk."),
        ]
    }

    public func validate(_ params: [String: JSONValue]) -> [ParameterProblem] {
        guard let q = params["quality"]?.doubleValue, !(0...1).contains(q) else { return [] }
        return [ParameterProblem(parameter: "quality", message: "quality must be between 0 and 1 (got \(q))")]
    }

    public func run(_ context: any StageContext) throws -> StageOutcome {
        let p = ParameterValues(context.params, specs: parameters, stage: context.stageName)
        let corrector = OracleCorrector(quality: try p.double("quality"))
        guard let input = context.inputs("input").first else {
            throw StageFailure("stage '\(context.stageName)': no input bound to 'input'", retryable: false)
        }
        guard !context.inputs("problems").isEmpty else {
            throw StageFailure("stage '\(context.stageName)': no input bound to 'problems' (the dataset split the "
                + "mistakes were sampled on)", retryable: false)
        }
        let problemList = try ProblemFiles.read(context, parameter: "problems", split: "train")
        let problems = Dictionary(problemList.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let mistakes = try JSONLines.read(try input.file(default: "samples")).map { line in
            let record = try line.object()
            guard record["problem_id"]?.stringValue != nil, record["text"]?.stringValue != nil else {
                throw StageFailure("\(line.file.path):\(line.lineNumber): not a sample record (needs problem_id "
                    + "and text; bind a `filter` or `sample` stage)", retryable: false)
            }
            return record
        }
        let keys = mistakes.map { "\($0["problem_id"]?.stringValue ?? "?")#\($0["sample"]?.intValue ?? 0)" }
        let seed = context.seed
        let map = LedgeredMap(keys: keys, chunkSize: try p.int("chunk"), workers: context.threads)
        let payloads = try map.run(context) { chunk in
            try chunk.map { i in
                try Self.correct(mistakes[i], key: keys[i], problems: problems, corrector: corrector, seed: seed)
            }
        }
        var kept: [Data] = []
        // `unparseable`: mistakes with no `Step k:` line (the oracle still corrects them, from step 1).
        let unparseable = mistakes.filter { Solution(parsing: $0["text"]?.stringValue ?? "").steps.isEmpty }.count
        var counts: [String: Int64] = ["mistakes": Int64(mistakes.count), "kept": 0, "rejected": 0, "not_a_mistake": 0,
                                       "unparseable": Int64(unparseable)]
        for payload in payloads {
            let object = try JSONParser.parse(payload).objectValue ?? [:]
            if let outcome = object["rejected"]?.stringValue {
                counts[outcome, default: 0] += 1
            } else {
                counts["kept", default: 0] += 1
                kept.append(payload)
            }
        }
        try RecordLine.write(kept, to: context.outputDirectory.appendingPathComponent("corrections.jsonl"))
        return StageOutcome(artifacts: ["corrections": "corrections.jsonl"],
                            summary: counts.mapValues { .int($0) })
    }

    /// One correction record, or `{"rejected": reason}` — the ledger payload of the item.
    static func correct(_ mistake: [String: JSONValue], key: String, problems: [String: Problem],
                        corrector: OracleCorrector, seed: UInt64) throws -> Data {
        let id = mistake["problem_id"]?.stringValue ?? ""
        guard let problem = problems[id] else {
            throw StageFailure("mistake \(key): problem '\(id)' is not in the `problems` input; bind the split the "
                + "samples were drawn from", retryable: false)
        }
        let text = mistake["text"]?.stringValue ?? ""
        var rng = SeededRNG(seed: SeededRNG.derive(seed, key))
        let result: CorrectionResult
        do {
            result = try corrector.correct(problem: problem, solution: text, rng: &rng)
        } catch {
            throw StageFailure("mistake \(key): \(error)", retryable: false)
        }
        guard let correction = result.correction, case .mistake(_, let kind) = result.verdict else {
            return RecordLine.encode(["rejected": .string("not_a_mistake")])
        }
        guard correction.isAccepted(gold: problem.answer) else {
            return RecordLine.encode(["rejected": .string("rejected")])
        }
        let original = Solution(parsing: text)
        return RecordLine.encode([
            "problem_id": .string(id),
            "sample": mistake["sample"] ?? .int(0),
            "question": .string(problem.question),
            "original": .string(text),
            "incorrect_step": .int(Int64(correction.incorrectStep)),
            "explanation": .string(correction.explanation),
            "corrected_steps": .string(Solution(steps: correction.correctedSteps).text),
            "corrected": .string(correction.correctedSolution(original: original).text),
            "corrected_answer": RecordLine.number(correction.finalAnswer.value),
            "gold": RecordLine.number(problem.answer),
            "corrector": .string(corrector.quality == 1 ? "oracle" : "oracle(q=\(corrector.quality))"),
            "error_kind": .string(kind.rawValue),
            "degradation": .string(result.degradation.rawValue),
        ])
    }
}
