import Foundation
import LemaCore
import Math
import StageAPI

/// `filter`: keeps the wrong reasoning paths (the mistakes to correct) or the right ones, optionally at most `m` per
/// question, dropping paths whose steps cannot be parsed.
public struct FilterKind: StageKind {
    /// The kind; it keeps no state between nodes.
    public init() {}
    /// The kind's name in specs.
    public let name = "filter"
    /// The kind's version, part of every fingerprint: bumped when the same parameters would give other outputs.
    public let version = 1
    /// One sentence for `lema kinds` and the spec reference.
    public let summary = "Keep wrong (or right) sampled paths, at most m per question; drop unparseable ones."

    /// The keys the kind accepts, with types, defaults and docs (docs/spec.md is generated from them).
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("input", .reference, default: nil, doc: "A `sample` stage (its `samples` artifact)."),
            ParameterSpec("keep", .choice(["wrong", "correct"]), default: .string("wrong"),
                          doc: "Which paths to keep: `wrong` (answer ≠ gold, incl. no answer) or `correct`."),
            ParameterSpec("max_per_question", .int, default: .int(0),
                          doc: "Keep at most this many paths per question, first sampled first (0 = no cap)."),
            ParameterSpec("drop_unparseable", .bool, default: .bool(true),
                          doc: "Drop paths with no `Step k:` line (a corrector cannot name a step in them)."),
            ParameterSpec("dedupe_text", .bool, default: .bool(true),
                          doc: "Keep one path per (question, identical text)."),
        ]
    }

    /// Runs one node of this kind: its artifacts and summary are described on the type.
    public func run(_ context: any StageContext) throws -> StageOutcome {
        let p = try FilterParameters(ParameterValues(context.params, specs: parameters, stage: context.stageName))
        let (keepWrong, cap) = (p.keepWrong, p.maxPerQuestion)
        guard let input = context.inputs("input").first else {
            throw StageFailure("stage '\(context.stageName)': no input bound to 'input'", retryable: false)
        }
        let lines = try JSONLines.read(try input.file(default: "samples"))
        var kept: [Data] = []
        var perQuestion: [String: Int] = [:]
        var seenTexts = Set<String>()
        var counts = (other: 0, unparseable: 0, capped: 0, duplicate: 0)
        for line in lines {
            let path = try SampleRecord.Path(RecordFields(line, record: SampleRecord.record), needsVerdict: true,
                                             hint: "bind a `sample` stage")
            if path.correct == keepWrong { counts.other += 1; continue }
            let (id, text) = (path.problemID, path.text)
            if p.dropUnparseable, Solution(parsing: text).steps.isEmpty { counts.unparseable += 1; continue }
            if p.dedupeText, !seenTexts.insert(id + "\u{1}" + text).inserted { counts.duplicate += 1; continue }
            if cap > 0, perQuestion[id, default: 0] >= cap { counts.capped += 1; continue }
            perQuestion[id, default: 0] += 1
            kept.append(line.bytes)
        }
        try RecordLine.write(kept, to: context.outputDirectory.appendingPathComponent("samples.jsonl"))
        context.progress(done: lines.count, total: lines.count, note: nil)
        return StageOutcome(artifacts: ["samples": "samples.jsonl"], summary: [
            "input": .int(Int64(lines.count)), "kept": .int(Int64(kept.count)),
            keepWrong ? "dropped_correct" : "dropped_wrong": .int(Int64(counts.other)),
            "dropped_unparseable": .int(Int64(counts.unparseable)), "dropped_duplicate": .int(Int64(counts.duplicate)),
            "capped": .int(Int64(counts.capped)), "questions": .int(Int64(perQuestion.count)),
        ])
    }
}
