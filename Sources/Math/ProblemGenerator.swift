import LemaCore

/// Generates GSM8K-style word problems from random computation graphs, deterministically from the config's seed.
///
/// The step count of each problem follows `stepWeights` exactly (quotas, not samples), questions are unique by
/// normalised text across the whole set, so train, dev and test never share a question, and every random choice
/// derives from `(seed, problem index, attempt)` — the same config gives the same bytes on every machine.
public struct ProblemGenerator: Sendable {
    /// What to generate; validated when generating (`GeneratorError.invalidConfig`).
    public let config: GeneratorConfig
    let picker: NumberPicker

    /// How many fresh attempts one problem gets before generation gives up (the config's space is too small).
    public static let attemptsPerProblem = 400

    /// A generator for `config`; nothing is validated or generated until asked.
    public init(config: GeneratorConfig) {
        self.config = config
        picker = NumberPicker(range: config.operandRange, maxValue: config.maxValue)
    }

    /// All `config.count` problems, in generation order, with ids `syn-<seed>-<index>` and splits assigned.
    public func generate() throws(GeneratorError) -> [Problem] {
        let issues = config.validationIssues
        guard issues.isEmpty else { throw .invalidConfig(issues) }
        let targets = stepTargets()
        var seen = Set<String>()
        var problems: [Problem] = []
        problems.reserveCapacity(config.count)
        for (index, steps) in targets.enumerated() {
            var made: Problem?
            for attempt in 0..<Self.attemptsPerProblem {
                var rng = SeededRNG(seed: SeededRNG.derive(config.seed, "math.problem", String(index), String(attempt)))
                guard let draft = draft(steps: steps, &rng) else { continue }
                let question = draft.question
                guard seen.insert(Problem.normalize(question)).inserted else { continue }
                made = Problem(id: "syn-\(config.seed)-\(index)", question: question, solution: draft.solution,
                               answer: Double(draft.answer), difficulty: steps,
                               graph: ComputationGraph(quantities: draft.quantities, operations: draft.operations),
                               split: .train)
                break
            }
            guard let made else { throw .exhausted(index: index, steps: steps, produced: problems.count) }
            problems.append(made)
        }
        assignSplits(&problems)
        return problems
    }

    /// One problem with exactly `steps` operations, or `nil` if this attempt's numbers did not fit.
    func draft(steps: Int, _ rng: inout SeededRNG) -> StoryDraft? {
        let names = rng.pickDistinct(Vocabulary.names, count: 4)
        let families = families(forSteps: steps)
        guard var d = rng.pick(families)(&rng, names), d.operations.count == steps,
              d.operations.allSatisfy({ config.operations.contains($0.op) }) else { return nil }
        if rng.chance(config.distractorProbability) {
            let (_, things) = rng.pick(Vocabulary.items)
            let n = picker.operand(&rng)
            let position = rng.nextInt(in: 0...d.sentences.count)
            // Names[3] never appears in a story, and the number is not a graph quantity: it is pure noise.
            d.sentences.insert("\(names[3]) has \(n) \(things).", at: position)
        }
        return d
    }

    /// The step count of each problem index: quotas proportional to the weights (largest remainders), shuffled.
    func stepTargets() -> [Int] {
        let counts = Array(config.minSteps...config.maxSteps)
        let weights = config.stepWeights ?? Array(repeating: 1.0, count: counts.count)
        let total = weights.reduce(0, +)
        let exact = weights.map { Double(config.count) * $0 / total }
        var quota = exact.map { Int($0) }
        let byRemainder = exact.indices.sorted { (exact[$0] - Double(quota[$0]), $1) > (exact[$1] - Double(quota[$1]), $0) }
        for i in byRemainder.prefix(config.count - quota.reduce(0, +)) { quota[i] += 1 }
        var targets: [Int] = []
        for (steps, n) in zip(counts, quota) { targets += Array(repeating: steps, count: n) }
        var rng = SeededRNG(seed: SeededRNG.derive(config.seed, "math.steps"))
        rng.shuffle(&targets)
        return targets
    }

    /// Train/dev/test by a seeded shuffle of indices; sizes from the fractions (largest remainders).
    func assignSplits(_ problems: inout [Problem]) {
        let fractions = [config.trainFraction, config.devFraction, config.testFraction]
        let total = fractions.reduce(0, +)
        let exact = fractions.map { Double(problems.count) * $0 / total }
        var sizes = exact.map { Int($0) }
        let byRemainder = exact.indices.sorted { (exact[$0] - Double(sizes[$0]), $1) > (exact[$1] - Double(sizes[$1]), $0) }
        for i in byRemainder.prefix(problems.count - sizes.reduce(0, +)) { sizes[i] += 1 }
        var order = Array(problems.indices)
        var rng = SeededRNG(seed: SeededRNG.derive(config.seed, "math.splits"))
        rng.shuffle(&order)
        for (position, index) in order.enumerated() {
            problems[index].split = position < sizes[0] ? .train : position < sizes[0] + sizes[1] ? .dev : .test
        }
    }
}

/// Why generation failed.
public enum GeneratorError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The config is unusable; each entry says what to change.
    case invalidConfig([String])
    /// No new unique problem could be made (the number ranges allow too few distinct questions).
    case exhausted(index: Int, steps: Int, produced: Int)

    /// One line saying what failed and what to change in the config.
    public var description: String {
        switch self {
        case .invalidConfig(let issues):
            "invalid generator config: " + issues.joined(separator: "; ")
        case .exhausted(let index, let steps, let produced):
            "could not make a new unique \(steps)-step problem (index \(index)) after "
                + "\(ProblemGenerator.attemptsPerProblem) attempts; \(produced) problems were made. "
                + "Widen operandRange or maxValue, allow more operations, or lower count."
        }
    }
}
