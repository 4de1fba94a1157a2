import Foundation
import LemaCore
import Math
import StageAPI
import TinyGPT

/// `sample`: k reasoning paths per question from a trained model; one ledger item per (question, sample), each
/// record keeping the text, the extracted answer and whether it is correct.
public struct SampleKind: StageKind {
    /// The kind; it keeps no state between nodes.
    public init() {}
    /// The kind's name in specs.
    public let name = "sample"
    /// The kind's version, part of every fingerprint: bumped when the same parameters would give other outputs.
    public let version = 1
    /// One sentence for `lema kinds` and the spec reference.
    public let summary = "Sample k reasoning paths per question from a model; answers extracted and checked."
    /// Each replicate draws its own samples (even from a shared model or endpoint).
    public var reseededByReplicates: Bool { true }

    /// The keys the kind accepts, with types, defaults and docs (docs/spec.md is generated from them).
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("model", .reference, default: .null, doc: "A `train` stage (its `model` artifact); or give `endpoint` instead."),
            ParameterSpec("questions", .reference, default: nil, doc: "A dataset split (a whole dataset stage means its `train` split)."),
            ParameterSpec("k", .int, default: .int(4), doc: "Samples per question."),
            ParameterSpec("temperature", .double, default: .double(0.8), doc: "Softmax temperature (0 = greedy)."),
            ParameterSpec("top_k", .int, default: .int(0), doc: "Keep the k most likely tokens (0 = off)."),
            ParameterSpec("top_p", .double, default: .double(1.0), doc: "Nucleus sampling mass (1 = off)."),
            ParameterSpec("max_tokens", .int, default: .int(160), doc: "Most tokens generated per path."),
            ParameterSpec("templates", .choice(["paper", "compact"]), default: .string("paper"),
                          doc: "Prompt template (must match the model's training data)."),
            ParameterSpec("limit", .int, default: .int(0), doc: "Use only the first N questions (0 = all)."),
            ParameterSpec("batch", .int, default: .int(32), doc: "Paths generated together (one ledger chunk)."),
            ParameterSpec("stop", .list(.string), default: .array([]),
                          doc: "Stop strings: a path ends before the first one (sent to an endpoint; applied to the text in-process)."),
            EndpointBackend.parameter("Sample from an OpenAI-compatible endpoint instead of `model`; each path's request carries its own seed and sample index, and responses are cached in the run's store."),
        ]
    }

    /// The parameters the fingerprint covers: operational settings are left out, so changing them never redoes finished work.
    public func fingerprinted(_ params: [String: JSONValue]) -> [String: JSONValue] {
        EndpointBackend.fingerprinted(params)
    }

    /// Checks that span several parameters; each problem names the parameter and the fix.
    public func validate(_ params: [String: JSONValue]) -> [ParameterProblem] {
        var out = EndpointBackend.validate(params) + ModelSource.exclusive(params)
        if let k = params["k"]?.intValue, k < 1 { out.append(.init(parameter: "k", message: "k must be at least 1")) }
        if let t = params["temperature"]?.doubleValue, t < 0 {
            out.append(.init(parameter: "temperature", message: "temperature must be ≥ 0"))
        }
        if let p = params["top_p"]?.doubleValue, !(p > 0 && p <= 1) {
            out.append(.init(parameter: "top_p", message: "top_p must be in (0, 1]"))
        }
        return out
    }

    /// Runs one node of this kind: its artifacts and summary are described on the type.
    public func run(_ context: any StageContext) throws -> StageOutcome {
        let p = try SampleParameters(ParameterValues(context.params, specs: parameters, stage: context.stageName),
                                     stage: context.stageName)
        guard !context.inputs("questions").isEmpty else {
            throw StageFailure("stage '\(context.stageName)': no input bound to 'questions'", retryable: false)
        }
        var problems = try ProblemFiles.read(context, parameter: "questions", split: "train")
        if p.limit > 0 { problems = Array(problems.prefix(p.limit)) }
        let k = p.k
        let builder = RecordBuilder(templates: p.templates)
        let source = try ModelSource(context, decoding: p.decoding)
        defer { source.close() }
        let items = problems.flatMap { problem in (0..<k).map { (problem, $0) } }
        let keys = items.map { "\($0.0.id)#\($0.1)" }
        let seed = context.seed
        let map = LedgeredMap(keys: keys, chunkSize: p.batch, workers: source.workers(context))
        let payloads = try map.run(context) { chunk in
            let prompts = chunk.map { builder.cot(question: items[$0].0.question, solution: "").prompt }
            let texts = try source.complete(prompts, seeds: chunk.map { SeededRNG.derive(seed, keys[$0]) },
                                            sampleIndexes: chunk.map { items[$0].1 })
            return zip(chunk, texts).map { i, text in
                SampleRecord(problem: items[i].0, sample: items[i].1, text: text).line
            }
        }
        try RecordLine.write(payloads, to: context.outputDirectory.appendingPathComponent("samples.jsonl"))
        var correct: Int64 = 0, noAnswer: Int64 = 0
        for (key, payload) in zip(keys, payloads) {
            let record = try SampleRecord(payload: payload, key: key)
            if record.correct { correct += 1 }
            if record.answer == nil { noAnswer += 1 }
        }
        return StageOutcome(artifacts: ["samples": "samples.jsonl"], summary: source.summary.merging([
            "questions": .int(Int64(problems.count)), "sampled": .int(Int64(payloads.count)),
            "correct": .int(correct), "wrong": .int(Int64(payloads.count) - correct), "no_answer": .int(noAnswer),
        ], uniquingKeysWith: { _, new in new }))
    }
}
