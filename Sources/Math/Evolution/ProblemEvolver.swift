import LemaCore

/// Makes new questions related to a seed question — the evolution step of LeMa's correction-centric evolution,
/// in the synthetic world where every generated question carries its computation graph.
///
/// "Related" is defined on the graph: a new question is a fresh story (other names, things and numbers) whose
/// operations relate to the seed's as the perturbation says — the same operations (`numbers`), the same plus one
/// more step (`extraStep`), or one operation swapped for another (`operation`). Candidates come from the generator's
/// own story families by rejection, so every new question is as well formed as the data set's, and its gold answer
/// is the graph's. A new question never repeats a question the caller excludes (the whole data set, other new ones).
public struct ProblemEvolver: Sendable {
    /// How a new question relates to its seed.
    public enum Perturbation: String, Sendable, Hashable, CaseIterable {
        /// The same operations (as a multiset) on other numbers in another story.
        case numbers
        /// The seed's operations plus one more step.
        case extraStep = "extra_step"
        /// As many steps, one operation replaced by another.
        case operation
    }

    /// Fresh attempts per new question before giving up on it (the config's space may hold no such story).
    public static let attemptsPerQuestion = 400
    /// The longest story the generator's families tell.
    public static let maxSteps = 5

    let generator: ProblemGenerator

    /// An evolver drawing numbers from `config`'s ranges with `config`'s operations (its count, seed, step and split
    /// settings are not used).
    public init(config: GeneratorConfig) {
        generator = ProblemGenerator(config: config)
    }

    /// The config's problems, if any: each entry says what to change.
    public var validationIssues: [String] { generator.config.validationIssues }

    /// A new question related to `seed` by `perturbation`, or nil when no such story was found within
    /// `attemptsPerQuestion` attempts. Deterministic in (`salt`, `seed.id`, `variant`). The question's normalised text
    /// is added to `excluded`. Throws when `seed` has no computation graph (real data: evolve it through an LLM).
    public func evolve(_ seed: Problem, perturbation: Perturbation, variant: Int, salt: UInt64, id: String,
                       excluded: inout Set<String>) throws(EvolutionError) -> Problem? {
        guard let graph = seed.graph else { throw .noGraph(problem: seed.id) }
        let profile = OperationProfile(graph.operations.map(\.op))
        let steps = perturbation == .extraStep ? profile.count + 1 : profile.count
        guard steps >= 1, steps <= Self.maxSteps else { return nil }
        for attempt in 0..<Self.attemptsPerQuestion {
            var rng = SeededRNG(seed: SeededRNG.derive(salt, "math.evolve", seed.id, String(variant), String(attempt)))
            guard let draft = generator.draft(steps: steps, &rng) else { continue }
            let candidate = OperationProfile(draft.operations.map(\.op))
            guard profile.relates(to: candidate, by: perturbation) else { continue }
            let normalized = Problem.normalize(draft.question)
            guard !excluded.contains(normalized) else { continue }
            excluded.insert(normalized)
            return Problem(id: id, question: draft.question, solution: draft.solution, answer: Double(draft.answer),
                           difficulty: steps,
                           graph: ComputationGraph(quantities: draft.quantities, operations: draft.operations),
                           split: .train)
        }
        return nil
    }
}

/// The operations of a graph as a multiset: what "related" compares.
struct OperationProfile: Equatable {
    /// How many times each operation occurs.
    let counts: [ArithmeticOp: Int]
    /// The number of operations (steps).
    let count: Int

    init(_ ops: [ArithmeticOp]) {
        var counts: [ArithmeticOp: Int] = [:]
        for op in ops { counts[op, default: 0] += 1 }
        self.counts = counts
        count = ops.count
    }

    /// Whether `other` is what `perturbation` makes of this profile.
    func relates(to other: OperationProfile, by perturbation: ProblemEvolver.Perturbation) -> Bool {
        let added = ArithmeticOp.allCases.reduce(0) { $0 + max(0, other.counts[$1, default: 0] - counts[$1, default: 0]) }
        let removed = ArithmeticOp.allCases.reduce(0) { $0 + max(0, counts[$1, default: 0] - other.counts[$1, default: 0]) }
        switch perturbation {
        case .numbers: return added == 0 && removed == 0
        case .extraStep: return added == 1 && removed == 0
        case .operation: return added == 1 && removed == 1
        }
    }
}

/// Why a question could not be evolved.
public enum EvolutionError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The seed question has no computation graph (loaded from a file); synthetic evolution needs one.
    case noGraph(problem: String)

    /// One line saying what failed and what to do.
    public var description: String {
        switch self {
        case .noGraph(let id):
            "problem '\(id)' has no computation graph (it was loaded from a file); synthetic evolution perturbs "
                + "generated problems only — evolve real data through an LLM endpoint instead"
        }
    }
}
