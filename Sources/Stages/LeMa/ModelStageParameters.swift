import LemaCore
import Math
import StageAPI

/// `sample`'s parameters, read once when the stage runs, as the values the stage works with (the spec's types were
/// checked when it was compiled; the rules that span values are checked here, with the stage named).
struct SampleParameters {
    /// Paths per question.
    var k: Int
    var decoding: DecodingSettings
    var templates: RecordTemplates
    /// Only the first `limit` questions (0 = all).
    var limit: Int
    /// Paths per ledger chunk.
    var batch: Int

    init(_ p: ParameterValues, stage: String) throws {
        k = try p.int("k")
        guard k >= 1 else { throw StageFailure("stage '\(stage)': k must be at least 1 (got \(k))", retryable: false) }
        let topK = try p.int("top_k"), topP = try p.double("top_p")
        decoding = DecodingSettings(maxTokens: try p.int("max_tokens"), temperature: try p.double("temperature"),
                                    topK: topK > 0 ? topK : nil, topP: topP < 1 ? topP : nil,
                                    stop: try p.strings("stop"))
        templates = try p.templates()
        limit = try p.int("limit")
        batch = try p.int("batch")
    }
}

/// `evaluate`'s parameters, read once when the stage runs. Decoding is greedy: pass@1 of the model's best guess.
struct EvaluateParameters {
    var decoding: DecodingSettings
    var templates: RecordTemplates
    /// Only the first `limit` questions of each split (0 = all).
    var limit: Int
    /// Questions per ledger chunk.
    var batch: Int

    init(_ p: ParameterValues) throws {
        decoding = .greedy(maxTokens: try p.int("max_tokens"), stop: try p.strings("stop"))
        templates = try p.templates()
        limit = try p.int("limit")
        batch = try p.int("batch")
    }
}

extension ParameterValues {
    /// The `templates` choice (`paper` or `compact`).
    func templates() throws -> RecordTemplates { try string("templates") == "compact" ? .compact : .paper }
}
