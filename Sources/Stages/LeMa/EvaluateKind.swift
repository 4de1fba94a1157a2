import Foundation
import LemaCore
import Math
import StageAPI
import TinyGPT

/// `evaluate`: greedy, zero-shot pass@1 on a split, with a 95% Wilson interval, accuracy by difficulty and the
/// no-answer rate. With `dev`, every checkpoint of the model is scored on the dev split first and the best one
/// (ties: the later) is the one reported on `questions` — the test split is looked at once.
public struct EvaluateKind: StageKind {
    /// The kind; it keeps no state between nodes.
    public init() {}
    /// The kind's name in specs.
    public let name = "evaluate"
    /// The kind's version, part of every fingerprint: bumped when the same parameters would give other outputs.
    public let version = 1
    /// One sentence for `lema kinds` and the spec reference.
    public let summary = "Greedy pass@1 on a split (Wilson 95% interval); optional checkpoint selection on dev."

    /// The keys the kind accepts, with types, defaults and docs (docs/spec.md is generated from them).
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("model", .reference, default: .null, doc: "A `train` stage; or give `endpoint` instead."),
            ParameterSpec("questions", .reference, default: nil, doc: "The split to report (a whole dataset stage means its `test` split)."),
            ParameterSpec("dev", .references, default: .array([]),
                          doc: "Dev split(s) for checkpoint selection (a whole dataset stage means its `dev` split); empty: report the final weights, or the checkpoint `model` names (`train.ckpt_00000200`)."),
            ParameterSpec("max_tokens", .int, default: .int(160), doc: "Most tokens generated per answer."),
            ParameterSpec("templates", .choice(["paper", "compact"]), default: .string("paper"),
                          doc: "Prompt template (must match the model's training data)."),
            ParameterSpec("limit", .int, default: .int(0), doc: "Use only the first N questions of each split (0 = all)."),
            ParameterSpec("batch", .int, default: .int(32), doc: "Questions answered together (one ledger chunk)."),
            ParameterSpec("stop", .list(.string), default: .array([]),
                          doc: "Stop strings: an answer ends before the first one (sent to an endpoint; applied to the text in-process)."),
            EndpointBackend.parameter("Answer through an OpenAI-compatible endpoint instead of `model` (greedy: temperature 0), e.g. a checkpoint served by `lema serve` or by your own server after `train` with `backend: command`; no checkpoint selection (`dev` must be empty)."),
        ]
    }

    /// The parameters the fingerprint covers: operational settings are left out, so changing them never redoes finished work.
    public func fingerprinted(_ params: [String: JSONValue]) -> [String: JSONValue] {
        EndpointBackend.fingerprinted(params)
    }

    /// Checks that span several parameters; each problem names the parameter and the fix.
    public func validate(_ params: [String: JSONValue]) -> [ParameterProblem] {
        var out = EndpointBackend.validate(params) + ModelSource.exclusive(params)
        if !(params["endpoint"]?.isNull ?? true), !(params["dev"]?.arrayValue ?? []).isEmpty {
            out.append(ParameterProblem(parameter: "dev", message: "checkpoint selection on `dev` needs an in-process "
                + "`model` (an endpoint serves one fixed model); remove `dev` or use `model`"))
        }
        return out
    }

    /// Runs one node of this kind: its artifacts and summary are described on the type.
    public func run(_ context: any StageContext) throws -> StageOutcome {
        let p = try EvaluateParameters(ParameterValues(context.params, specs: parameters, stage: context.stageName))
        guard let questionsInput = context.inputs("questions").first else {
            throw StageFailure("stage '\(context.stageName)': no input bound to 'questions'", retryable: false)
        }
        let limit = p.limit
        func limited(_ problems: [Problem]) -> [Problem] { limit > 0 ? Array(problems.prefix(limit)) : problems }
        let test = limited(try ProblemFiles.read(context, parameter: "questions", split: "test"))
        let dev = limited(try ProblemFiles.read(context, parameter: "dev", split: "dev"))
        let scorer = SplitScorer(context: context, builder: RecordBuilder(templates: p.templates),
                                 decoding: p.decoding, batch: p.batch)
        let scored: ScoredSplit
        var summary: [String: JSONValue]
        let selected: String
        if try EndpointBackend.config(context) != nil {
            (scored, summary) = try scorer.scoreThroughEndpoint(test)
            selected = "endpoint"
        } else {
            let model = try Self.chooseModel(context, dev: dev, scorer: scorer)
            scored = try scorer.score(test, model: model.file, keyPrefix: "test/")
            (summary, selected) = (model.summary, model.name)
        }
        try RecordLine.write(scored.lines,
                             to: context.outputDirectory.appendingPathComponent("predictions.jsonl"))
        summary.merge(Self.metrics(scored.records), uniquingKeysWith: { _, new in new })
        summary["selected"] = .string(selected)
        summary["split"] = .string(questionsInput.selected ?? test.first?.split.rawValue ?? "test")
        var artifacts = ["predictions": "predictions.jsonl"]
        if !dev.isEmpty { artifacts["dev_selection"] = "dev_selection.jsonl" }
        return StageOutcome(artifacts: artifacts, summary: summary)
    }

    /// The in-process model file to report: with `dev`, the checkpoint (or final model) best on dev — ties go to
    /// the later one — with the selection written to dev_selection.jsonl; without, the artifact the reference named
    /// (`train.ckpt_00000200`), else the final model.
    static func chooseModel(_ context: any StageContext, dev: [Problem], scorer: SplitScorer) throws
        -> (file: URL, name: String, summary: [String: JSONValue]) {
        guard let modelInput = context.inputs("model").first else {
            throw StageFailure("stage '\(context.stageName)': neither `model` nor `endpoint` is given; bind a train "
                + "stage to `model` or describe an endpoint", retryable: false)
        }
        var chosen = modelInput.selected ?? "model"
        var summary: [String: JSONValue] = [:]
        if !dev.isEmpty {
            let candidates = modelInput.artifacts.keys.filter { CheckpointName.step(ofArtifact: $0) != nil }.sorted() + ["model"]
            var selection: [Data] = []
            var best: (name: String, accuracy: Double)? = nil
            for name in candidates {
                guard let file = modelInput.artifacts[name] else { continue }
                let records = try scorer.score(dev, model: file, keyPrefix: "dev/\(name)/").records
                let accuracy = Double(records.filter(\.correct).count) / Double(dev.count)
                selection.append(RecordLine.encode(["artifact": .string(name), "dev_accuracy": .double(accuracy)]))
                if accuracy >= best?.accuracy ?? -1 { best = (name, accuracy) }
            }
            if let best {
                chosen = best.name
                summary["dev_accuracy"] = .double(best.accuracy)
            }
            try RecordLine.write(selection, to: context.outputDirectory.appendingPathComponent("dev_selection.jsonl"))
        }
        guard let file = modelInput.artifacts[chosen] else {
            let known = modelInput.artifacts.keys.sorted().joined(separator: ", ")
            throw StageFailure("stage '\(context.stageName)': model stage '\(modelInput.stage)' has no '\(chosen)' "
                + "artifact (it has: \(known))", retryable: false)
        }
        return (file, chosen, summary)
    }

    /// pass@1, Wilson interval, no-answer rate, accuracy by difficulty.
    static func metrics(_ records: [SampleRecord]) -> [String: JSONValue] {
        let n = records.count
        let correct = records.filter(\.correct).count
        let noAnswer = records.filter { $0.answer == nil }.count
        let interval = WilsonInterval(successes: correct, total: n)
        var byDifficulty: [Int: (Int, Int)] = [:]
        for r in records {
            let d = r.difficulty
            let ok = r.correct ? 1 : 0
            byDifficulty[d, default: (0, 0)] = (byDifficulty[d, default: (0, 0)].0 + ok, byDifficulty[d, default: (0, 0)].1 + 1)
        }
        return [
            "accuracy": .double(n == 0 ? 0 : Double(correct) / Double(n)),
            "ci_low": .double(interval.lower), "ci_high": .double(interval.upper),
            "n": .int(Int64(n)), "correct": .int(Int64(correct)), "no_answer": .int(Int64(noAnswer)),
            "no_answer_rate": .double(n == 0 ? 0 : Double(noAnswer) / Double(n)),
            "by_difficulty": .object(Dictionary(uniqueKeysWithValues: byDifficulty.map {
                (String($0.key), JSONValue.double(Double($0.value.0) / Double($0.value.1)))
            })),
        ]
    }
}

/// Greedy answers for one split with one model file, through the ledger.
struct SplitScorer {
    var context: any StageContext
    var builder: RecordBuilder
    var decoding: DecodingSettings
    var batch: Int

    func score(_ problems: [Problem], model: URL, keyPrefix: String) throws -> ScoredSplit {
        guard !problems.isEmpty else { return ScoredSplit() }
        let source = try ModelSource(context, modelFile: model, decoding: decoding)
        return try score(problems, source: source, keyPrefix: keyPrefix)
    }

    /// The split answered by the stage's endpoint, and the summary of the calls.
    func scoreThroughEndpoint(_ problems: [Problem]) throws -> (ScoredSplit, [String: JSONValue]) {
        let source = try ModelSource(context, decoding: decoding)
        defer { source.close() }
        let records = try score(problems, source: source, keyPrefix: "test/")
        return (records, source.summary)
    }

    private func score(_ problems: [Problem], source: ModelSource, keyPrefix: String) throws -> ScoredSplit {
        guard !problems.isEmpty else { return ScoredSplit() }
        let keys = problems.map { keyPrefix + $0.id }
        let builder = self.builder
        let map = LedgeredMap(keys: keys, chunkSize: batch, workers: source.workers(context))
        let payloads = try map.run(context) { chunk in
            let texts = try source.complete(chunk.map { builder.cot(question: problems[$0].question, solution: "").prompt },
                                            seeds: chunk.map { _ in 0 }, sampleIndexes: chunk.map { _ in 0 })
            return zip(chunk, texts).map { SampleRecord(problem: problems[$0], sample: 0, text: $1).line }
        }
        // Payloads of items done before a resume exist only as bytes: every record is read back from its payload,
        // and the payloads themselves are the lines written.
        return ScoredSplit(lines: payloads,
                           records: try zip(keys, payloads).map { try SampleRecord(payload: $1, key: $0) })
    }
}

/// The answers to one split: the lines as written to `predictions.jsonl`, and the same records read.
struct ScoredSplit {
    var lines: [Data] = []
    var records: [SampleRecord] = []
}
