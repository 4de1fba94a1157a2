import Foundation
import LemaCore
import Math
import StageAPI

/// `dataset`: synthetic GSM8K-style problems from the generator, or problems loaded from a JSONL file, written as
/// one `Problem` JSONL artifact per split (`train`, `pool`, `dev`, `test`).
public struct DatasetKind: StageKind {
    /// The kind; it keeps no state between nodes.
    public init() {}
    /// The kind's name in specs.
    public let name = "dataset"
    /// The kind's version, part of every fingerprint: bumped when the same parameters would give other outputs.
    public let version = 1
    /// One sentence for `lema kinds` and the spec reference.
    public let summary = "Synthetic math word problems, or a GSM8K-style JSONL file, split into train/pool/dev/test."

    /// The keys the kind accepts, with types, defaults and docs (docs/spec.md is generated from them).
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("source", .choice(["synthetic", "file"]), default: .string("synthetic"),
                          doc: "Generate problems, or load them from `path`."),
            ParameterSpec("count", .int, default: .int(1000), doc: "Synthetic: problems in total over all splits."),
            ParameterSpec("seed", .int, default: .int(1), doc: "Synthetic: generator seed (problems are a pure function of the generator settings)."),
            ParameterSpec("min_steps", .int, default: .int(1), doc: "Synthetic: fewest arithmetic steps per problem."),
            ParameterSpec("max_steps", .int, default: .int(3), doc: "Synthetic: most arithmetic steps per problem (≤ 5)."),
            ParameterSpec("step_weights", .list(.double), default: .null,
                          doc: "Synthetic: relative weight of each step count from min_steps to max_steps (exact quotas); null = uniform."),
            ParameterSpec("operand_min", .int, default: .int(1), doc: "Synthetic: smallest number stated in a question."),
            ParameterSpec("operand_max", .int, default: .int(20), doc: "Synthetic: largest number stated in a question."),
            ParameterSpec("max_value", .int, default: .int(200), doc: "Synthetic: bound on every intermediate result."),
            ParameterSpec("operations", .list(.choice(["+", "-", "*", "/"])), default: .array(["+", "-", "*", "/"].map { .string($0) }),
                          doc: "Synthetic: operations the stories may use."),
            ParameterSpec("distractors", .double, default: .double(0.1),
                          doc: "Synthetic: probability of one irrelevant sentence with a number."),
            ParameterSpec("train", .double, default: .double(0.8), doc: "Fraction of problems in the train split."),
            ParameterSpec("dev", .double, default: .double(0.1), doc: "Fraction in the dev split (checkpoint selection)."),
            ParameterSpec("test", .double, default: .double(0.1), doc: "Fraction in the test split (reported once)."),
            ParameterSpec("pool", .double, default: .double(0),
                          doc: "Fraction of the train split held out as `pool`: extra CoT data for same-size controls, never used to train the base model."),
            ParameterSpec("path", .string, default: .string(""), doc: "File source: the JSONL file (relative to the spec)."),
            ParameterSpec("format", .choice(["lema", "gsm8k", "jsonl"]), default: .string("lema"),
                          doc: "File source: `lema` ({prompt, completion}), `gsm8k` ({question, answer with ####}) or `jsonl` (see `fields`)."),
            ParameterSpec("fields", .map(.string), default: .object([:]),
                          doc: "File source, format jsonl: field names {question, answer, solution, id}."),
            ParameterSpec("split", .choice(["train", "dev", "test"]), default: .string("test"),
                          doc: "File source: the split the loaded problems form."),
            ParameterSpec("limit", .int, default: .int(0), doc: "File source: keep only the first N problems (0 = all)."),
            ParameterSpec("skip_malformed", .bool, default: .bool(false),
                          doc: "File source: skip malformed lines (counted in the summary) instead of failing."),
        ]
    }

    /// Checks that span several parameters; each problem names the parameter and the fix.
    public func validate(_ params: [String: JSONValue]) -> [ParameterProblem] {
        var problems: [ParameterProblem] = []
        if params["source"]?.stringValue == "file", (params["path"]?.stringValue ?? "").isEmpty {
            problems.append(ParameterProblem(parameter: "path", message: "source 'file' needs a path to a JSONL file"))
        }
        if let pool = params["pool"]?.doubleValue, !(0..<1).contains(pool) {
            problems.append(ParameterProblem(parameter: "pool", message: "pool must be in [0, 1) (got \(pool))"))
        }
        if params["source"]?.stringValue != "file" {
            do {
                let config = try generatorConfig(ParameterValues(params, specs: parameters, stage: ""))
                problems += config.validationIssues.map { ParameterProblem(parameter: "count", message: $0) }
            } catch {
                // A bad operand range or a mistyped value: report it instead of validating the defaults.
                let parameter = params["operand_min"]?.intValue.flatMap { low in
                    params["operand_max"]?.intValue.map { low > $0 ? "operand_min" : "count" }
                } ?? "count"
                problems.append(ParameterProblem(parameter: parameter, message: "\(error)"))
            }
        }
        return problems
    }

    /// Runs one node of this kind: its artifacts and summary are described on the type.
    public func run(_ context: any StageContext) throws -> StageOutcome {
        let p = ParameterValues(context.params, specs: parameters, stage: context.stageName)
        var problems: [Problem]
        var summary: [String: JSONValue] = [:]
        if try p.string("source") == "file" {
            (problems, summary) = try load(p, context: context)
        } else {
            do {
                problems = try ProblemGenerator(config: try generatorConfig(p)).generate()
            } catch {
                throw StageFailure("stage '\(context.stageName)': \(error)", retryable: false)
            }
        }
        let poolFraction = try p.double("pool")
        var splits: [String: [Problem]] = ["train": [], "pool": [], "dev": [], "test": []]
        for problem in problems { splits[problem.split.rawValue, default: []].append(problem) }
        if poolFraction > 0, let train = splits["train"] {
            // The pool is a deterministic subset of train: every k-th problem by a seeded order.
            var order = Array(train.indices)
            var rng = SeededRNG(seed: SeededRNG.derive(UInt64(truncatingIfNeeded: try p.int("seed")), "pool"))
            rng.shuffle(&order)
            let poolIndices = Set(order.prefix(Int((Double(train.count) * poolFraction).rounded())))
            splits["pool"] = train.indices.filter(poolIndices.contains).map { train[$0] }
            splits["train"] = train.indices.filter { !poolIndices.contains($0) }.map { train[$0] }
        }
        var artifacts: [String: String] = [:]
        for (split, items) in splits {
            let file = "problems_\(split).jsonl"
            try ProblemFiles.write(items, to: context.outputDirectory.appendingPathComponent(file))
            artifacts[split] = file
            summary[split] = .int(Int64(items.count))
        }
        var histogram: [Int: Int64] = [:]
        for problem in problems { histogram[problem.difficulty, default: 0] += 1 }
        summary["difficulty"] = .object(Dictionary(uniqueKeysWithValues: histogram.map { (String($0.key), .int($0.value)) }))
        context.progress(done: problems.count, total: problems.count, note: nil)
        return StageOutcome(artifacts: artifacts, summary: summary)
    }

    func generatorConfig(_ p: ParameterValues) throws -> GeneratorConfig {
        var config = GeneratorConfig()
        config.count = try p.int("count")
        config.seed = UInt64(truncatingIfNeeded: try p.int("seed"))
        config.minSteps = try p.int("min_steps")
        config.maxSteps = try p.int("max_steps")
        if let weights = try p.value("step_weights").arrayValue {
            config.stepWeights = weights.compactMap(\.doubleValue)
        }
        try config.readNumbers(p)
        config.trainFraction = try p.double("train")
        config.devFraction = try p.double("dev")
        config.testFraction = try p.double("test")
        return config
    }

    private func load(_ p: ParameterValues, context: any StageContext) throws -> ([Problem], [String: JSONValue]) {
        let path = try p.string("path")
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path)
            : context.specDirectory.appendingPathComponent(path)
        let format: DatasetFormat
        switch try p.string("format") {
        case "gsm8k": format = .gsm8k
        case "jsonl":
            let f = try p.value("fields").objectValue ?? [:]
            format = .jsonl(JSONLFields(question: f["question"]?.stringValue ?? "question",
                                        answer: f["answer"]?.stringValue ?? "answer",
                                        solution: f["solution"]?.stringValue, id: f["id"]?.stringValue))
        default: format = .lemaEval
        }
        let split = Split(rawValue: try p.string("split")) ?? .test
        let result: LoadResult
        do {
            result = try ProblemLoader.load(contentsOf: url, format: format,
                                            options: LoadOptions(skipMalformed: try p.bool("skip_malformed"), split: split))
        } catch {
            throw StageFailure("stage '\(context.stageName)': \(error)", retryable: false)
        }
        let limit = try p.int("limit")
        let problems = limit > 0 ? Array(result.problems.prefix(limit)) : result.problems
        for skipped in result.skipped { context.log("skipped \(skipped)") }
        return (problems, ["skipped_lines": .int(Int64(result.skippedCount))])
    }
}
