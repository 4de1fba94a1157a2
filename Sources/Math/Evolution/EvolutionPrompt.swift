/// The prompt that asks a language model for a new question related to a seed question (evolution through an
/// endpoint, for data without computation graphs), and the reading of its answer.
public struct EvolutionPrompt: Sendable {
    /// Completions end at the first of these: the model starting another problem or a solution.
    public static let stopSequences = ["\nProblem:", "\nSolution:", "\nAnswer:", "\n\n"]

    /// A prompt builder; it holds no state.
    public init() {}

    /// The completion prompt for one new question; the model continues after `New problem:`.
    public func prompt(seed question: String, perturbation: ProblemEvolver.Perturbation) -> String {
        """
        Write a new math word problem related to the one below. \(Self.instruction(perturbation)) \
        The new problem must be solvable with whole numbers and must not be a copy of the old one. Write only the \
        new problem, on one line.

        Problem: \(question)
        New problem:
        """
    }

    /// What the new question changes, per perturbation.
    static func instruction(_ perturbation: ProblemEvolver.Perturbation) -> String {
        switch perturbation {
        case .numbers: "Use other names, things and numbers, but the same kind of calculation."
        case .extraStep: "Make it need one more calculation step than the old problem."
        case .operation: "Replace one of its calculation steps by a different operation."
        }
    }

    /// The new question in a completion, or nil when there is none (empty, only the seed again, or not a question
    /// of reasonable length). Whitespace is trimmed and a repeated `New problem:` label dropped.
    public func parse(completion: String, seed question: String) -> String? {
        var text = Substring(completion)
        for stop in Self.stopSequences {
            if let range = text.range(of: stop) { text = text[..<range.lowerBound] }
        }
        var trimmed = text.trimmingWhitespace
        for label in ["New problem:", "Problem:"] where trimmed.hasPrefix(label) {
            trimmed = Substring(trimmed.dropFirst(label.count)).trimmingWhitespace
        }
        guard trimmed.count >= 10, trimmed.count <= 2000,
              Problem.normalize(trimmed) != Problem.normalize(question) else { return nil }
        return trimmed
    }
}

private extension Substring {
    var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
