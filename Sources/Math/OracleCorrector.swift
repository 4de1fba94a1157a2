import Foundation
import LemaCore

/// What the oracle did with one solution.
public struct CorrectionResult: Codable, Sendable, Hashable {
    /// The true verdict (independent of `quality`).
    public var verdict: Verdict
    /// `nil` when the solution is correct.
    public var correction: Correction?
    /// How the correction was deliberately weakened, if it was.
    public var degradation: Degradation

    /// The ways a lower-`quality` oracle errs.
    public enum Degradation: String, Codable, Sendable, Hashable {
        /// Not degraded: the first incorrect step and an explanation naming the error.
        case none
        /// The correction points at a neighbouring step instead of the first incorrect one.
        case wrongLocation
        /// The explanation is generic instead of naming the error.
        case vagueExplanation
    }
}

/// Why the oracle cannot judge a problem.
public enum OracleError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The problem has no computation graph (real data, not generated).
    case noGraph(problemID: String)
    /// What cannot be judged and why.
    public var description: String {
        switch self {
        case .noGraph(let id):
            "problem \(id) has no computation graph; the oracle corrector only works on generated problems"
        }
    }
}

/// A programmatic corrector standing in for GPT-4: it knows each problem's computation graph, finds the first
/// incorrect step of a solution (`StepChecker`), explains the error in terms of its numbers ("47 - 9 is 38, not
/// 37."), and rewrites the solution from that step on.
///
/// `quality` (1 = perfect) emulates weaker correctors for ablations: with probability `1 - quality` a correction
/// is degraded — half of the time it points at a neighbouring step, otherwise its explanation is vague. The
/// corrected steps still reach the gold answer either way (a corrector that misplaces the error but fixes the
/// arithmetic), so the paper's answer filter does not remove these corrections.
public struct OracleCorrector: Sendable {
    /// Probability in [0, 1] that a correction is left intact; 1 never degrades.
    public var quality: Double

    /// `quality` is clamped to [0, 1].
    public init(quality: Double = 1) { self.quality = min(max(quality, 0), 1) }

    /// Checks `solution` (text) against the problem's graph and corrects it.
    public func correct(problem: Problem, solution: String, rng: inout SeededRNG) throws(OracleError) -> CorrectionResult {
        try correct(problem: problem, solution: Solution(parsing: solution), rng: &rng)
    }

    /// Checks `solution` against the problem's graph and corrects it. Uses exactly two random draws when the
    /// solution has a mistake and none when it is correct.
    public func correct(problem: Problem, solution: Solution, rng: inout SeededRNG) throws(OracleError) -> CorrectionResult {
        guard let graph = problem.graph else { throw .noGraph(problemID: problem.id) }
        let diagnosis = StepChecker.check(solution, against: graph)
        guard case .mistake(let step, _) = diagnosis.verdict else {
            return CorrectionResult(verdict: .correct, correction: nil, degradation: .none)
        }
        let degrade = rng.nextDouble() >= quality
        let mode = rng.nextDouble()
        let bodies = Self.goldStepBodies(problem: problem, graph: graph)
        var location = step
        var matched = diagnosis.matchedOperations
        var explanation = Explainer(graph: graph).explain(diagnosis)
        var degradation = CorrectionResult.Degradation.none
        if degrade {
            if mode < 0.5, solution.steps.count > 1 {
                // Move to a neighbour; earlier steps before the new location are kept as written.
                location = step > 1 && (mode < 0.25 || step == solution.steps.count) ? step - 1 : step + 1
                matched = StepChecker.acceptedOperations(Array(solution.steps.prefix(location - 1)), against: graph)
                degradation = .wrongLocation
            } else {
                explanation = "Step \(step) contains an error."
                degradation = .vagueExplanation
            }
        }
        let steps = Self.rewrite(from: location, matched: matched, graph: graph, bodies: bodies)
        let correction = Correction(incorrectStep: location, explanation: explanation, correctedSteps: steps)
        return CorrectionResult(verdict: diagnosis.verdict, correction: correction, degradation: degradation)
    }

    /// Steps numbered from `start` doing every operation not in `matched`, in graph order, in the gold wording;
    /// the last ends with `The answer is N.`
    static func rewrite(from start: Int, matched: [Int], graph: ComputationGraph, bodies: [String]) -> [Step] {
        let done = Set(matched)
        var steps = graph.operations.indices.filter { !done.contains($0) }.enumerated().map {
            Step(number: start + $0.offset, text: bodies[$0.element])
        }
        let answerSentence = "The answer is \(graph.answer)."
        if steps.isEmpty {
            steps.append(Step(number: start, text: answerSentence))
        } else {
            steps[steps.count - 1].text += " " + answerSentence
        }
        return steps
    }

    /// The gold wording of each operation's step, without the final `The answer is N.`; generic `a op b = c.` when
    /// the gold solution does not have one step per operation.
    public static func goldStepBodies(problem: Problem, graph: ComputationGraph) -> [String] {
        let gold = Solution(parsing: problem.solution)
        guard gold.steps.count == graph.operations.count else {
            return graph.operations.map { o in
                "\(graph.value(of: o.lhs)) \(o.op.symbol) \(graph.value(of: o.rhs)) = \(o.result)."
            }
        }
        return gold.steps.map { step in
            guard let r = step.text.range(of: "The answer is", options: .backwards) else { return step.text }
            return step.text[..<r.lowerBound].trimmingCharacters(in: .whitespaces)
        }
    }
}
