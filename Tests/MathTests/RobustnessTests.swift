import LemaCore
import Testing
@testable import Math

/// Garbage in must never crash: a tiny model writes anything. Random texts built from the pieces the parsers care
/// about go through every reader.
@Suite struct RobustnessTests {
    static let pieces = ["Step ", "1", "2", "12", ": ", ". ", "\n", "\r\n", " = ", " + ", " - ", " * ", " / ", " x ", "$",
                         ",", "000", ".5", "%", "The answer is ", "the answer is: ", "\n\nQuestion: ", "Incorrect Step:",
                         "Explanation:", "Correct Solution:", "{", "}", "...", "(", ")", "apples", "-", "÷", "×", "0"]

    static func randomText(_ rng: inout SeededRNG) -> String {
        (0..<rng.nextInt(in: 0...40)).map { _ in pieces[rng.nextInt(below: pieces.count)] }.joined()
    }

    @Test func readersSurviveRandomText() {
        var rng = SeededRNG(seed: 2024)
        let problem = OracleTests.handProblem
        for _ in 0..<3000 {
            let text = Self.randomText(&rng)
            if case .number(let v) = AnswerExtraction.extract(text) { #expect(v.isFinite, "\(text.debugDescription)") }
            let solution = Solution(parsing: text)
            #expect(Solution(parsing: solution.text).steps.count == solution.steps.count, "\(text.debugDescription)")
            for claim in ArithmeticClaim.extract(from: text) {
                #expect(claim.operators.count == claim.operands.count - 1)
                _ = claim.isCorrect
            }
            let diagnosis = StepChecker.check(solution, against: problem.graph!)
            if case .mistake(let step, _) = diagnosis.verdict {
                #expect(step >= 1 && step <= max(1, solution.steps.count))
            }
            var oracleRNG = SeededRNG(seed: 1)
            if let correction = try? OracleCorrector(quality: 0.5).correct(problem: problem, solution: solution, rng: &oracleRNG).correction {
                #expect(correction.isAccepted(gold: problem.answer), "\(text.debugDescription)")
            }
            if let parsed = try? CorrectionParser.parse(text) {
                #expect(parsed.correctedSteps.first?.number == parsed.incorrectStep)
            }
            _ = SafeArithmetic.evaluate(text)
        }
    }
}
