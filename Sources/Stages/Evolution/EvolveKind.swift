import Foundation
import LemaCore
import Math
import StageAPI

/// `evolve`: new training questions related to seed questions — LeMa's correction-centric evolution (seeds are the
/// questions behind the correction data) and its control, random evolution (as many seeds drawn at random from the
/// train split). Each seed gives `per_question` new questions, the perturbations taken in turn. New questions carry
/// their graph's answer, which a `vote` stage replaces by a teacher's majority answer (the paper's pseudo-gold).
public struct EvolveKind: StageKind {
    /// The kind; it keeps no state between nodes.
    public init() {}
    /// The kind's name in specs.
    public let name = "evolve"
    /// The kind's version, part of every fingerprint: bumped when the same parameters would give other outputs.
    public let version = 1
    /// One sentence for `lema kinds` and the spec reference.
    public let summary = "New questions related to the questions behind corrections (or to random ones): the evolution step."

    /// The keys the kind accepts, with types, defaults and docs (docs/spec.md is generated from them).
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("problems", .reference, default: nil,
                          doc: "The `dataset` stage: seed questions are looked up in it, and no new question repeats any of its questions (all splits)."),
            ParameterSpec("corrections", .reference, default: .null,
                          doc: "Correction records (a `correct` or `dedupe` stage): their questions are the seeds (`seeds: corrections`), or their number is matched (`seeds: random`)."),
            ParameterSpec("seeds", .choice(["corrections", "random"]), default: .string("corrections"),
                          doc: "`corrections`: correction-centric evolution. `random`: as many seed questions drawn at random from the train split (the paper's control)."),
            ParameterSpec("count", .int, default: .int(0),
                          doc: "`seeds: random` without `corrections`: how many seed questions."),
            ParameterSpec("per_question", .int, default: .int(2), doc: "New questions per seed question."),
            ParameterSpec("perturbations", .list(.choice(ProblemEvolver.Perturbation.allCases.map(\.rawValue))),
                          default: .array(ProblemEvolver.Perturbation.allCases.map { .string($0.rawValue) }),
                          doc: "How a new question relates to its seed, taken in turn: `numbers` (same operations, new story and numbers), `extra_step` (one more step), `operation` (one operation swapped)."),
            ParameterSpec("generator", .choice(["synthetic", "llm"]), default: .string("synthetic"),
                          doc: "`synthetic`: perturb generated questions' computation graphs (new questions carry their gold answer). `llm`: ask a model behind `endpoint` (works on real data; new questions have no answer until `vote`, their `answer` field is 0)."),
            EndpointBackend.parameter("`generator: llm`: the OpenAI-compatible endpoint that writes new questions; responses are cached in the run's store."),
            ParameterSpec("temperature", .double, default: .double(0.7), doc: "`llm`: sampling temperature."),
            ParameterSpec("max_tokens", .int, default: .int(256), doc: "`llm`: most tokens per new question."),
            ParameterSpec("unparseable_retries", .int, default: .int(1),
                          doc: "`llm`: new tries (another sample index) when an answer holds no usable question."),
            ParameterSpec("operand_min", .int, default: .int(1), doc: "Smallest number stated in a new question (match the dataset's)."),
            ParameterSpec("operand_max", .int, default: .int(20), doc: "Largest number stated in a new question (match the dataset's)."),
            ParameterSpec("max_value", .int, default: .int(200), doc: "Bound on every intermediate result (match the dataset's)."),
            ParameterSpec("operations", .list(.choice(["+", "-", "*", "/"])), default: .array(["+", "-", "*", "/"].map { .string($0) }),
                          doc: "Operations new questions may use (`operation` swaps within these)."),
            ParameterSpec("distractors", .double, default: .double(0.1),
                          doc: "Probability of an irrelevant sentence with a number in a new question."),
        ]
    }

    /// The parameters the fingerprint covers: the endpoint's operational settings (and, without an endpoint, the
    /// LLM-only keys) are left out.
    public func fingerprinted(_ params: [String: JSONValue]) -> [String: JSONValue] {
        EndpointBackend.fingerprinted(params, endpointOnly: ["temperature", "max_tokens", "unparseable_retries"])
    }

    /// Checks that span several parameters; each problem names the parameter and the fix.
    public func validate(_ params: [String: JSONValue]) -> [ParameterProblem] {
        var out = EndpointBackend.validate(params)
        let hasEndpoint = !(params["endpoint"]?.isNull ?? true)
        if params["generator"]?.stringValue == "llm", !hasEndpoint {
            out.append(.init(parameter: "endpoint", message: "`generator: llm` needs an `endpoint` (base_url and model)"))
        }
        if params["generator"]?.stringValue != "llm", hasEndpoint {
            out.append(.init(parameter: "generator", message: "an `endpoint` is given but `generator` is 'synthetic'; set `generator: llm`"))
        }
        let hasCorrections = !(params["corrections"]?.isNull ?? true)
        if params["seeds"]?.stringValue != "random", !hasCorrections {
            out.append(.init(parameter: "corrections", message: "`seeds: corrections` needs `corrections` (a `correct` or `dedupe` stage)"))
        }
        if params["seeds"]?.stringValue == "random", !hasCorrections, (params["count"]?.intValue ?? 0) < 1 {
            out.append(.init(parameter: "count", message: "`seeds: random` needs `corrections` (to match their number) or `count` ≥ 1"))
        }
        if let n = params["per_question"]?.intValue, n < 1 {
            out.append(.init(parameter: "per_question", message: "per_question must be at least 1 (got \(n))"))
        }
        if let list = params["perturbations"]?.arrayValue, list.isEmpty {
            out.append(.init(parameter: "perturbations", message: "name at least one perturbation"))
        }
        return out
    }

    /// Runs one node of this kind: its artifacts and summary are described on the type.
    public func run(_ context: any StageContext) throws -> StageOutcome {
        let values = ParameterValues(context.params, specs: parameters, stage: context.stageName)
        let p = try EvolveParameters(values)
        let dataset = try EvolutionInputs.dataset(context)
        let correctedIDs = try EvolutionInputs.correctedQuestionIDs(context)
        let seeds = try EvolutionInputs.seeds(p, dataset: dataset, correctedIDs: correctedIDs,
                                              seed: context.seed, stage: context.stageName)
        var excluded = Set(dataset.all.map(\.normalizedQuestion))
        if try values.string("generator") == "llm" {
            let (made, summary) = try LLMEvolution(values, context: context).run(seeds: seeds, parameters: p,
                                                                                 excluded: &excluded)
            return try Self.finish(made, seeds: seeds, correctedIDs: correctedIDs, summary: summary, context: context)
        }
        let evolver = ProblemEvolver(config: p.generator)
        let issues = evolver.validationIssues
        guard issues.isEmpty else {
            throw StageFailure("stage '\(context.stageName)': " + issues.joined(separator: "; "), retryable: false)
        }
        var made: [Problem] = []
        var unmade = 0
        var byPerturbation: [String: Int64] = [:]
        for (n, seedProblem) in seeds.enumerated() {
            if context.isCancelled { throw StageCancelled() }
            for variant in 0..<p.perQuestion {
                let perturbation = p.perturbations[variant % p.perturbations.count]
                let id = "evo-\(seedProblem.id)-\(variant)"
                do {
                    if let problem = try evolver.evolve(seedProblem, perturbation: perturbation, variant: variant,
                                                        salt: context.seed, id: id, excluded: &excluded) {
                        made.append(problem)
                        byPerturbation[perturbation.rawValue, default: 0] += 1
                    } else {
                        unmade += 1
                    }
                } catch {
                    throw StageFailure("stage '\(context.stageName)': \(error)", retryable: false)
                }
            }
            context.progress(done: n + 1, total: seeds.count, note: nil)
        }
        return try Self.finish(made, seeds: seeds, correctedIDs: correctedIDs, summary: [
            "unmade": .int(Int64(unmade)), "by_perturbation": .object(byPerturbation.mapValues { .int($0) }),
        ], context: context)
    }

    /// Writes the new questions and the seeds; the summary counts them.
    static func finish(_ made: [Problem], seeds: [Problem], correctedIDs: [String], summary: [String: JSONValue],
                       context: any StageContext) throws -> StageOutcome {
        try ProblemFiles.write(made, to: context.outputDirectory.appendingPathComponent("problems_evolved.jsonl"))
        try ProblemFiles.write(seeds, to: context.outputDirectory.appendingPathComponent("seeds.jsonl"))
        return StageOutcome(artifacts: ["train": "problems_evolved.jsonl", "seeds": "seeds.jsonl"],
                            summary: summary.merging([
                                "seeds": .int(Int64(seeds.count)), "questions": .int(Int64(made.count)),
                                "corrected_questions": .int(Int64(correctedIDs.count)),
                            ], uniquingKeysWith: { _, new in new }))
    }
}

/// `evolve`'s parameters, read once when the stage runs.
struct EvolveParameters {
    var randomSeeds: Bool
    var count: Int
    var perQuestion: Int
    var perturbations: [ProblemEvolver.Perturbation]
    var generator: GeneratorConfig

    init(_ p: ParameterValues) throws {
        randomSeeds = try p.string("seeds") == "random"
        count = try p.int("count")
        perQuestion = max(1, try p.int("per_question"))
        perturbations = try p.strings("perturbations").compactMap(ProblemEvolver.Perturbation.init(rawValue:))
        guard !perturbations.isEmpty else {
            throw StageFailure("stage '\(p.stage)': name at least one perturbation", retryable: false)
        }
        var config = GeneratorConfig()
        do {
            try config.readNumbers(p)
        } catch let failure as StageFailure {
            throw StageFailure("stage '\(p.stage)': \(failure.message)", retryable: false)
        }
        generator = config
    }
}
