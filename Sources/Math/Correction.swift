/// A correction in the LeMa format: which step is first wrong, why, and the solution rewritten from that step on.
///
/// Rendering (`rendered(style:original:)`), with `.elided` (the default, as in the paper's examples):
/// ```
/// Incorrect Step: Step 2.
/// Explanation: 47 - 9 is 38, not 37.
/// Correct Solution: {
/// ...
/// Step 2: …
/// Step 3: … The answer is 52.
/// }
/// ```
/// The `...` line stands for the unchanged steps before the incorrect one (omitted when the incorrect step is
/// Step 1). `.full` repeats those steps instead. Either way the `correctedSteps` value holds only the rewritten
/// steps; `correctedSolution(original:)` puts the unchanged ones back.
public struct Correction: Codable, Sendable, Hashable {
    /// 1-based number of the first incorrect step.
    public var incorrectStep: Int
    /// Why the step is wrong, in one or two sentences (`47 - 9 is 38, not 37.`).
    public var explanation: String
    /// The rewritten steps, numbered from `incorrectStep`; the last ends `The answer is N.`
    public var correctedSteps: [Step]

    /// A correction from its parts; `correctedSteps` should be numbered from `incorrectStep`.
    public init(incorrectStep: Int, explanation: String, correctedSteps: [Step]) {
        self.incorrectStep = incorrectStep
        self.explanation = explanation
        self.correctedSteps = correctedSteps
    }

    /// The whole corrected solution: the original's steps before `incorrectStep`, then the rewritten ones.
    public func correctedSolution(original: Solution) -> Solution {
        let kept = original.steps.prefix(max(0, incorrectStep - 1))
        return Solution(preamble: original.preamble, steps: Array(kept) + correctedSteps).renumbered()
    }

    /// The final answer of the rewritten steps.
    public var finalAnswer: ExtractedAnswer { Solution(steps: correctedSteps).finalAnswer }

    /// The paper's filter: a correction counts only if its corrected final answer equals the gold answer.
    public func isAccepted(gold: Double) -> Bool { AnswerComparison.matches(finalAnswer, gold: gold) }

    /// Label texts, shared by the renderer and the parser.
    public static let stepLabel = "Incorrect Step:"
    /// Starts the explanation line.
    public static let explanationLabel = "Explanation:"
    /// Starts the `{ … }` block of rewritten steps.
    public static let solutionLabel = "Correct Solution:"
    /// The line standing for unchanged earlier steps.
    public static let elision = "..."

    /// The LeMa text. `.full` needs `original` to repeat the earlier steps; without it `.elided` is used.
    public func rendered(style: CorrectionStyle = .elided, original: Solution? = nil) -> String {
        renderedComponents(.all, style: style, original: original)
    }

    /// The text with only some components (for the paper's ablations), in the usual order.
    public func renderedComponents(_ components: CorrectionComponents, style: CorrectionStyle = .elided,
                                   original: Solution? = nil) -> String {
        var parts: [String] = []
        if components.contains(.step) { parts.append("\(Self.stepLabel) Step \(incorrectStep).") }
        if components.contains(.explanation) { parts.append("\(Self.explanationLabel) \(explanation)") }
        if components.contains(.solution) {
            var lines = ["\(Self.solutionLabel) {"]
            if incorrectStep > 1 {
                if style == .full, let original {
                    lines += original.steps.prefix(incorrectStep - 1).enumerated().map {
                        Step(number: $0.offset + 1, text: $0.element.text).rendered
                    }
                } else {
                    lines.append(Self.elision)
                }
            }
            lines += correctedSteps.map(\.rendered)
            lines.append("}")
            parts.append(lines.joined(separator: "\n"))
        }
        return parts.joined(separator: "\n")
    }
}

/// Whether a rendered correction repeats the unchanged earlier steps.
public enum CorrectionStyle: String, Codable, Sendable, Hashable, CaseIterable {
    /// One `...` line stands for them (the paper's examples; shorter targets for small models).
    case elided
    /// They are written out.
    case full
}

/// The parts of a correction, for ablations that drop one.
public struct CorrectionComponents: OptionSet, Codable, Sendable, Hashable {
    /// The bits of the set: step 1, explanation 2, solution 4.
    public let rawValue: Int
    /// A set from its bits (see `rawValue`).
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// `Incorrect Step: Step k.`
    public static let step = CorrectionComponents(rawValue: 1)
    /// `Explanation: …`
    public static let explanation = CorrectionComponents(rawValue: 2)
    /// `Correct Solution: { … }`
    public static let solution = CorrectionComponents(rawValue: 4)
    /// All three components, the paper's full format.
    public static let all: CorrectionComponents = [.step, .explanation, .solution]
}
