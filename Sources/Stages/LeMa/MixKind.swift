import Foundation
import LemaCore
import Math
import StageAPI

/// `mix`: the training set — CoT examples plus correction examples at a ratio, or one of the paper's controls.
///
/// `ratio` is the number of correction examples per CoT example (0.25 → one correction per four CoT examples),
/// capped by the corrections available (the summary says when it was capped). Corrections are taken in one seeded
/// order that does not depend on the ratio, so a ratio sweep's sets are nested (0.25 ⊂ 0.5 ⊂ 1).
public struct MixKind: StageKind {
    /// The kind; it keeps no state between nodes.
    public init() {}
    /// The kind's name in specs.
    public let name = "mix"
    /// The kind's version, part of every fingerprint: bumped when the same parameters would give other outputs.
    public let version = 1
    /// One sentence for `lema kinds` and the spec reference.
    public let summary = "Build a training set from CoT and correction data (ratio, same-size controls, ablations)."

    static let modes = MixMode.allCases.map(\.rawValue)

    /// The keys the kind accepts, with types, defaults and docs (docs/spec.md is generated from them).
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("cot", .reference, default: nil, doc: "CoT data: a dataset split (each problem's gold solution)."),
            ParameterSpec("corrections", .reference, default: nil, doc: "Correction records (a `correct` or `dedupe` stage)."),
            ParameterSpec("more_corrections", .references, default: .array([]),
                          doc: "More correction records used with `corrections` as one set (e.g. corrections of evolved questions)."),
            ParameterSpec("pool", .references, default: .array([]),
                          doc: "Extra CoT problems for `cot-same-size` (a whole dataset stage means its `pool` split); when short, CoT examples are repeated."),
            ParameterSpec("mode", .choice(Self.modes), default: .string("lema"),
                          doc: "`lema`: CoT + corrections; `cot-only`; `cot-same-size`: CoT + as many extra CoT examples as corrections; `corrected-as-cot`: CoT + each correction's corrected solution as a CoT example."),
            ParameterSpec("ratio", .double, default: .double(1.0),
                          doc: "Correction (or control) examples per CoT example; capped by the corrections available."),
            ParameterSpec("total", .int, default: .int(0),
                          doc: "If > 0: the exact size of the set (a seeded subset); fails when fewer examples exist."),
            ParameterSpec("drop", .list(.choice(["step", "explanation", "solution"])), default: .array([]),
                          doc: "Correction components to leave out of correction examples (the paper's ablations)."),
            ParameterSpec("templates", .choice(["paper", "compact"]), default: .string("paper"),
                          doc: "Prompt templates: the paper's, or short ones for tiny models."),
            ParameterSpec("style", .choice(["elided", "full"]), default: .string("elided"),
                          doc: "Correction targets write `...` for unchanged earlier steps (`elided`) or repeat them (`full`)."),
        ]
    }

    /// The parameters the fingerprint covers. `more_corrections` is left out while empty, so mix nodes made before
    /// it existed keep their fingerprints.
    public func fingerprinted(_ params: [String: JSONValue]) -> [String: JSONValue] {
        var out = params
        if out["more_corrections"]?.arrayValue?.isEmpty ?? true { out["more_corrections"] = nil }
        return out
    }

    /// Checks that span several parameters; each problem names the parameter and the fix.
    public func validate(_ params: [String: JSONValue]) -> [ParameterProblem] {
        var out: [ParameterProblem] = []
        if let r = params["ratio"]?.doubleValue, r < 0 {
            out.append(ParameterProblem(parameter: "ratio", message: "ratio must be ≥ 0 (got \(r))"))
        }
        if let drop = params["drop"]?.arrayValue, Set(drop.compactMap(\.stringValue)).count >= 3 {
            out.append(ParameterProblem(parameter: "drop", message: "drop leaves nothing of a correction; keep at least one component"))
        }
        return out
    }

    /// Runs one node of this kind: its artifacts and summary are described on the type.
    public func run(_ context: any StageContext) throws -> StageOutcome {
        let p = try MixParameters(ParameterValues(context.params, specs: parameters, stage: context.stageName))
        let (mode, builder) = (p.mode, p.builder)
        guard !context.inputs("cot").isEmpty else {
            throw StageFailure("stage '\(context.stageName)': no input bound to 'cot'", retryable: false)
        }
        let cotProblems = try ProblemFiles.read(context, parameter: "cot", split: "train")
        var examples: [(id: String, source: String, record: TrainingRecord)] = cotProblems.map {
            ($0.id, "cot", builder.cot(question: $0.question, solution: $0.solution))
        }
        guard let correctionInput = context.inputs("corrections").first else {
            throw StageFailure("stage '\(context.stageName)': no input bound to 'corrections'", retryable: false)
        }
        let correctionInputs = [correctionInput] + context.inputs("more_corrections")
        // Every line is parsed before any is read as a record, so a broken line is reported before a lacking one.
        let correctionFields = try correctionInputs.flatMap { input in
            try JSONLines.read(try input.file(default: "corrections")).map {
                try RecordFields($0, record: CorrectionRecord.record)
            }
        }
        var corrections = try correctionFields.map(CorrectionRecord.init)
        // One order per correction set, independent of ratio and mode: sweeps get nested subsets.
        var orderRNG = SeededRNG(seed: SeededRNG.derive(0x4C654D61, labels: correctionInputs.map(\.fingerprint)))
        orderRNG.shuffle(&corrections)
        let wanted = Int((p.ratio * Double(cotProblems.count)).rounded())
        let used = mode == .cotOnly ? 0 : min(wanted, corrections.count)
        var summary: [String: JSONValue] = ["available_corrections": .int(Int64(corrections.count)),
                                            "wanted": .int(Int64(wanted)), "capped": .bool(used < wanted && mode != .cotOnly)]
        switch mode {
        case .lema:
            for c in corrections.prefix(used) {
                let (question, original, correction) = Self.decode(c)
                examples.append((c.id, "correction",
                                 builder.correction(question: question, original: original, correction: correction,
                                                    components: p.components)))
            }
        case .correctedAsCoT:
            for c in corrections.prefix(used) {
                let (question, original, correction) = Self.decode(c)
                examples.append((c.id, "corrected-as-cot",
                                 builder.correctedAsCoT(question: question, original: original, correction: correction)))
            }
        case .cotSameSize:
            var pool = try ProblemFiles.read(context, parameter: "pool", split: "pool")
            var poolRNG = SeededRNG(seed: SeededRNG.derive(0x506F6F6C, correctionInput.fingerprint))
            poolRNG.shuffle(&pool)
            var repeated = 0
            for i in 0..<used {
                let problem: Problem
                if i < pool.count { problem = pool[i] } else {
                    problem = cotProblems[poolRNG.nextInt(below: max(1, cotProblems.count))]
                    repeated += 1
                }
                examples.append((problem.id + (i < pool.count ? "" : "#rep\(i)"), "cot-extra",
                                 builder.cot(question: problem.question, solution: problem.solution)))
            }
            summary["repeated_cot"] = .int(Int64(repeated))
        case .cotOnly:
            break
        }
        var rng = SeededRNG(seed: context.seed)
        rng.shuffle(&examples)
        let total = p.total
        if total > 0 {
            guard examples.count >= total else {
                throw StageFailure("stage '\(context.stageName)': total \(total) asked but only \(examples.count) "
                    + "examples exist in mode '\(mode.rawValue)'; lower total or add data", retryable: false)
            }
            examples = Array(examples.prefix(total))
        }
        let lines = examples.map { TrainingExampleRecord(id: $0.id, source: $0.source, example: $0.record).line }
        try RecordLine.write(lines, to: context.outputDirectory.appendingPathComponent("mix.jsonl"))
        var bySource: [String: Int64] = [:]
        for e in examples { bySource[e.source, default: 0] += 1 }
        for (source, n) in bySource { summary[source] = .int(n) }
        summary["total"] = .int(Int64(examples.count))
        return StageOutcome(artifacts: ["train": "mix.jsonl"], summary: summary)
    }

    /// A correction record back to (question, original solution, correction).
    static func decode(_ c: CorrectionRecord) -> (String, Solution, Correction) {
        (c.question, Solution(parsing: c.original),
         Correction(incorrectStep: c.incorrectStep, explanation: c.explanation,
                    correctedSteps: Solution(parsing: c.correctedSteps).steps))
    }
}
