import Foundation
import LemaCore
import Math
import StageAPI

/// `correct`: a corrector turns each mistake into a correction (incorrect step, explanation, corrected solution).
/// The paper's rule keeps a correction only if its corrected final answer equals the gold answer.
public struct CorrectKind: StageKind {
    /// The kind; it keeps no state between nodes.
    public init() {}
    /// The kind's name in specs.
    public let name = "correct"
    /// The kind's version, part of every fingerprint: bumped when the same parameters would give other outputs.
    public let version = 1
    /// One sentence for `lema kinds` and the spec reference.
    public let summary = "Correct each wrong path (oracle or an LLM through an endpoint); keep corrections that reach the gold answer."

    /// The keys the kind accepts, with types, defaults and docs (docs/spec.md is generated from them).
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("input", .reference, default: nil, doc: "Mistakes: a `filter` stage (its `samples` artifact)."),
            ParameterSpec("problems", .reference, default: nil,
                          doc: "The dataset split the mistakes were sampled on (the oracle needs each problem's computation graph)."),
            ParameterSpec("corrector", .choice(["oracle", "llm"]), default: .string("oracle"),
                          doc: "`oracle`: the programmatic corrector (knows each problem's computation graph). `llm`: a model behind `endpoint` (the paper used GPT-4) prompted with worked corrections in the LeMa format; its text goes through the correction parser."),
            ParameterSpec("quality", .double, default: .double(1.0),
                          doc: "Oracle quality in [0, 1]: with probability 1 − quality a correction names a neighbouring step or a vague explanation (corrector-quality ablations)."),
            ParameterSpec("chunk", .int, default: .int(64), doc: "Items per ledger chunk."),
            EndpointBackend.parameter("`corrector: llm`: the corrector's OpenAI-compatible endpoint; responses are cached in the run's store."),
            ParameterSpec("shots", .int, default: .int(3), doc: "`llm`: worked corrections in the prompt (0–3)."),
            ParameterSpec("templates", .choice(["paper", "compact"]), default: .string("paper"),
                          doc: "`llm`: template of the correction prompt."),
            ParameterSpec("temperature", .double, default: .double(0),
                          doc: "`llm`: sampling temperature of the first try (retries of unparseable outputs use at least 0.7, so they can differ)."),
            ParameterSpec("max_tokens", .int, default: .int(512), doc: "`llm`: most tokens per correction."),
            ParameterSpec("unparseable_retries", .int, default: .int(1),
                          doc: "`llm`: new tries (another sample index) for an output the correction parser rejects; all unparseable outputs are counted."),
        ]
    }

    /// The parameters the fingerprint covers: operational settings are left out, so changing them never redoes finished work.
    public func fingerprinted(_ params: [String: JSONValue]) -> [String: JSONValue] {
        // The LLM corrector's settings do not touch the oracle's results.
        EndpointBackend.fingerprinted(params, endpointOnly: ["shots", "templates", "temperature", "max_tokens",
                                                              "unparseable_retries"])
    }

    /// Checks that span several parameters; each problem names the parameter and the fix.
    public func validate(_ params: [String: JSONValue]) -> [ParameterProblem] {
        var out = EndpointBackend.validate(params)
        if let q = params["quality"]?.doubleValue, !(0...1).contains(q) {
            out.append(ParameterProblem(parameter: "quality", message: "quality must be between 0 and 1 (got \(q))"))
        }
        let hasEndpoint = !(params["endpoint"]?.isNull ?? true)
        if params["corrector"]?.stringValue == "llm", !hasEndpoint {
            out.append(ParameterProblem(parameter: "endpoint", message: "`corrector: llm` needs an `endpoint` (base_url and model of the corrector)"))
        }
        if params["corrector"]?.stringValue != "llm", hasEndpoint {
            out.append(ParameterProblem(parameter: "corrector", message: "an `endpoint` is given but `corrector` is 'oracle'; set `corrector: llm`"))
        }
        if let shots = params["shots"]?.intValue, !(0...CorrectionPrompt.standardExemplars.count).contains(shots) {
            out.append(ParameterProblem(parameter: "shots", message: "shots must be between 0 and \(CorrectionPrompt.standardExemplars.count) (got \(shots))"))
        }
        return out
    }

    /// Runs one node of this kind: its artifacts and summary are described on the type.
    public func run(_ context: any StageContext) throws -> StageOutcome {
        let p = ParameterValues(context.params, specs: parameters, stage: context.stageName)
        if try p.string("corrector") == "llm" { return try LLMCorrection(p, context: context).run() }
        let oracle = try OracleCorrectionParameters(p)
        let corrector = OracleCorrector(quality: oracle.quality)
        let inputs = try CorrectionInputs(context)
        let (mistakes, keys, problems) = (inputs.mistakes, inputs.keys, inputs.problems)
        let seed = context.seed
        let map = LedgeredMap(keys: keys, chunkSize: oracle.chunk, workers: context.threads)
        let payloads = try map.run(context) { chunk in
            try chunk.map { i in
                try Self.correct(mistakes[i], key: keys[i], problems: problems, corrector: corrector, seed: seed)
            }
        }
        return try inputs.finish(payloads, context: context)
    }

    /// One correction record, or `{"rejected": reason}` — the ledger payload of the item.
    static func correct(_ mistake: SampleRecord.Path, key: String, problems: [String: Problem],
                        corrector: OracleCorrector, seed: UInt64) throws -> Data {
        let id = mistake.problemID
        guard let problem = problems[id] else {
            throw StageFailure("mistake \(key): problem '\(id)' is not in the `problems` input; bind the split the "
                + "samples were drawn from", retryable: false)
        }
        let text = mistake.text
        var rng = SeededRNG(seed: SeededRNG.derive(seed, key))
        let result: CorrectionResult
        do {
            result = try corrector.correct(problem: problem, solution: text, rng: &rng)
        } catch {
            throw StageFailure("mistake \(key): \(error)", retryable: false)
        }
        guard let correction = result.correction, case .mistake(_, let kind) = result.verdict else {
            return CorrectionOutcome.rejected(reason: "not_a_mistake").payload
        }
        guard correction.isAccepted(gold: problem.answer) else {
            return CorrectionOutcome.rejected(reason: "rejected").payload
        }
        return CorrectionOutcome.kept(CorrectionRecord(
            mistake: mistake, problem: problem, correction: correction,
            corrector: corrector.quality == 1 ? "oracle" : "oracle(q=\(corrector.quality))",
            errorKind: kind.rawValue, degradation: result.degradation.rawValue)).payload
    }
}
