import Foundation
import LemaCore
import Math
import StageAPI

/// `filter`'s parameters, read once when the stage runs.
struct FilterParameters {
    /// Keep the wrong paths (the mistakes to correct) rather than the right ones.
    var keepWrong: Bool
    /// At most this many kept paths per question, first sampled first (0 = no cap).
    var maxPerQuestion: Int
    /// Drop paths with no `Step k:` line.
    var dropUnparseable: Bool
    /// Keep one path per (question, identical text).
    var dedupeText: Bool

    init(_ p: ParameterValues) throws {
        keepWrong = try p.string("keep") == "wrong"
        maxPerQuestion = try p.int("max_per_question")
        dropUnparseable = try p.bool("drop_unparseable")
        dedupeText = try p.bool("dedupe_text")
    }
}

/// How `mix` builds its set: the paper's method or one of its controls.
enum MixMode: String, CaseIterable {
    /// CoT examples plus correction examples.
    case lema
    /// CoT examples only.
    case cotOnly = "cot-only"
    /// CoT plus as many extra CoT examples as corrections would add.
    case cotSameSize = "cot-same-size"
    /// CoT plus each correction's corrected solution written as a CoT example.
    case correctedAsCoT = "corrected-as-cot"
}

/// `mix`'s parameters, read once when the stage runs.
struct MixParameters {
    var mode: MixMode
    /// Correction (or control) examples per CoT example.
    var ratio: Double
    /// The exact size of the set when > 0.
    var total: Int
    /// The correction components kept in correction examples (the paper's ablations drop some).
    var components: CorrectionComponents
    /// Templates and correction style of every example.
    var builder: RecordBuilder

    init(_ p: ParameterValues) throws {
        let modeName = try p.string("mode")
        guard let mode = MixMode(rawValue: modeName) else {
            throw StageFailure("stage '\(p.stage)': mode must be one of \(MixMode.allCases.map(\.rawValue).joined(separator: ", ")) "
                + "(got '\(modeName)')", retryable: false)
        }
        self.mode = mode
        ratio = try p.double("ratio")
        total = try p.int("total")
        components = .all
        for part in try p.strings("drop") {
            switch part {
            case "step": components.remove(.step)
            case "explanation": components.remove(.explanation)
            default: components.remove(.solution)
            }
        }
        builder = RecordBuilder(templates: try p.templates(), style: try p.string("style") == "full" ? .full : .elided)
    }
}

/// The oracle corrector's parameters (`corrector: llm` reads its own in `LLMCorrection`).
struct OracleCorrectionParameters {
    /// Probability that a correction is exact; the rest name a neighbouring step or a vague explanation.
    var quality: Double
    /// Items per ledger chunk.
    var chunk: Int

    init(_ p: ParameterValues) throws {
        quality = try p.double("quality")
        chunk = try p.int("chunk")
    }
}
