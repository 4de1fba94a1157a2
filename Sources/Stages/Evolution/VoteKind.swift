import Foundation
import LemaCore
import Math
import StageAPI

/// `vote`: pseudo-gold answers for new questions by majority vote over a teacher's k sampled answers (the paper
/// labels evolved questions this way; they have no gold answer). Questions without a majority are dropped. Each kept
/// question's solution is the teacher's first path (lowest sample index) that reached the winning answer.
public struct VoteKind: StageKind {
    /// The kind; it keeps no state between nodes.
    public init() {}
    /// The kind's name in specs.
    public let name = "vote"
    /// The kind's version, part of every fingerprint: bumped when the same parameters would give other outputs.
    public let version = 1
    /// One sentence for `lema kinds` and the spec reference.
    public let summary = "Pseudo-gold answers by majority vote over a teacher's k samples; questions without a majority dropped."

    /// The keys the kind accepts, with types, defaults and docs (docs/spec.md is generated from them).
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("questions", .reference, default: nil, doc: "The questions to label (an `evolve` stage)."),
            ParameterSpec("samples", .reference, default: nil,
                          doc: "The teacher's paths on those questions (a `sample` stage with k > 1)."),
            ParameterSpec("min_share", .double, default: .double(0.5),
                          doc: "The winning answer needs more than this share of the k paths (0.5: a strict majority); a tie for first place never wins."),
        ]
    }

    /// Checks that span several parameters; each problem names the parameter and the fix.
    public func validate(_ params: [String: JSONValue]) -> [ParameterProblem] {
        if let share = params["min_share"]?.doubleValue, !(0..<1).contains(share) {
            return [.init(parameter: "min_share", message: "min_share must be in [0, 1) (got \(share))")]
        }
        return []
    }

    /// Runs one node of this kind: its artifacts and summary are described on the type.
    public func run(_ context: any StageContext) throws -> StageOutcome {
        let p = ParameterValues(context.params, specs: parameters, stage: context.stageName)
        let minShare = try p.double("min_share")
        guard !context.inputs("questions").isEmpty, let samplesInput = context.inputs("samples").first else {
            throw StageFailure("stage '\(context.stageName)': bind both 'questions' and 'samples'", retryable: false)
        }
        let questions = try ProblemFiles.read(context, parameter: "questions", split: "train")
        var paths: [String: [(sample: Int, text: String, answer: Double?)]] = [:]
        for line in try JSONLines.read(try samplesInput.file(default: "samples")) {
            let record = try SampleRecord(RecordFields(line, record: SampleRecord.record))
            paths[record.problemID, default: []].append((record.sample, record.text, record.answer))
        }
        var labelled: [Problem] = []
        var counts = (noMajority: 0, noAnswers: 0, unsampled: 0, agrees: 0)
        var votesHistogram: [Int: Int64] = [:]
        for question in questions {
            guard let teacher = paths[question.id]?.sorted(by: { $0.sample < $1.sample }), !teacher.isEmpty else {
                counts.unsampled += 1
                continue
            }
            switch MajorityVote.decide(teacher.map(\.answer), minShare: minShare) {
            case .noAnswers: counts.noAnswers += 1
            case .noMajority: counts.noMajority += 1
            case .label(let answer, let votes):
                votesHistogram[votes, default: 0] += 1
                if answer == question.answer { counts.agrees += 1 }
                var kept = question
                kept.answer = answer
                kept.solution = teacher.first { $0.answer == answer }?.text ?? question.solution
                labelled.append(kept)
            }
        }
        guard counts.unsampled < questions.count || questions.isEmpty else {
            throw StageFailure("stage '\(context.stageName)': no sampled path belongs to any of the \(questions.count) "
                + "questions; bind a `sample` stage run on 'questions'", retryable: false)
        }
        try ProblemFiles.write(labelled, to: context.outputDirectory.appendingPathComponent("problems_labelled.jsonl"))
        context.progress(done: questions.count, total: questions.count, note: nil)
        var summary: [String: JSONValue] = [
            "questions": .int(Int64(questions.count)), "labelled": .int(Int64(labelled.count)),
            "no_majority": .int(Int64(counts.noMajority)), "no_answers": .int(Int64(counts.noAnswers)),
            "unsampled": .int(Int64(counts.unsampled)),
            "votes": .object(Dictionary(uniqueKeysWithValues: votesHistogram.map { (String($0.key), .int($0.value)) })),
        ]
        // Generated questions know their true answer: how often the pseudo-gold is right is worth reporting.
        if questions.allSatisfy({ $0.graph != nil }) {
            summary["pseudo_gold_correct"] = .int(Int64(counts.agrees))
            summary["pseudo_gold_accuracy"] = .double(labelled.isEmpty ? 0 : Double(counts.agrees) / Double(labelled.count))
        }
        return StageOutcome(artifacts: ["train": "problems_labelled.jsonl"], summary: summary)
    }
}
