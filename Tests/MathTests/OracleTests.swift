import Foundation
import LemaCore
import Testing
@testable import Math

@Suite struct OracleTests {
    /// The property of issue 4: for thousands of generated problems and every mistake kind, the oracle finds the
    /// injected step and kind, and its corrected solution passes the checker and reaches the gold answer.
    @Test(arguments: MistakeKind.allCases)
    func oracleFindsInjectedMistakes(kind: MistakeKind) throws {
        let problems = Fixtures.wide
        var rng = SeededRNG(seed: SeededRNG.derive(99, kind.rawValue))
        var checked = 0
        for problem in problems {
            guard let mistake = MistakeInjector().inject(kind, into: problem, rng: &rng) else { continue }
            // The injected solution is really wrong.
            #expect(mistake.solution.text != problem.solution)
            let result = try OracleCorrector().correct(problem: problem, solution: mistake.solution, rng: &rng)
            #expect(result.verdict == .mistake(step: mistake.step, kind: kind),
                    "\(problem.id)\n\(problem.solution)\n--\n\(mistake.solution.text)")
            let correction = try #require(result.correction)
            #expect(correction.incorrectStep == mistake.step)
            #expect(result.degradation == .none)
            let corrected = correction.correctedSolution(original: mistake.solution)
            #expect(StepChecker.check(corrected, against: problem.graph!).verdict == .correct,
                    "\(problem.id)\n\(corrected.text)")
            #expect(corrected.finalAnswer == .number(problem.answer))
            #expect(correction.isAccepted(gold: problem.answer))
            #expect(!correction.explanation.isEmpty)
            checked += 1
        }
        // Missing steps need two or more steps; everything else fits (almost) every problem.
        #expect(checked >= (kind == .missingStep ? 1000 : 1900), "only \(checked) injections of \(kind)")
    }

    /// A hand-made problem: 47 - 9 = 38, then 38 * 2 = 76.
    static let handProblem: Problem = {
        let graph = ComputationGraph(quantities: [47, 9, 2], operations: [
            .init(op: .subtract, lhs: .quantity(0), rhs: .quantity(1), result: 38),
            .init(op: .multiply, lhs: .result(0), rhs: .quantity(2), result: 76),
        ])
        return Problem(id: "hand-1", question: "Ana has 47 cards. She gives 9 away. Then she gets 2 times as many. How many cards does Ana have now?",
                       solution: "Step 1: Ana has 47 - 9 = 38 cards left.\nStep 2: Ana has 38 * 2 = 76 cards. The answer is 76.",
                       answer: 76, difficulty: 2, graph: graph, split: .test)
    }()

    @Test(arguments: [
        ("Step 1: Ana has 47 - 9 = 37 cards left.\nStep 2: Ana has 37 * 2 = 74 cards. The answer is 74.",
         Verdict.mistake(step: 1, kind: .arithmeticSlip), "47 - 9 is 38, not 37."),
        ("Step 1: Ana has 47 + 9 = 56 cards.\nStep 2: Ana has 56 * 2 = 112 cards. The answer is 112.",
         .mistake(step: 1, kind: .wrongOperation), "This step should use subtraction, not addition: 47 - 9 = 38."),
        ("Step 1: Ana has 47 - 8 = 39 cards left.\nStep 2: Ana has 39 * 2 = 78 cards. The answer is 78.",
         .mistake(step: 1, kind: .wrongOperand), "This step uses 8 where it needs 9 (from the question): 47 - 9 = 38."),
        ("Step 1: Ana has 38 * 2 = 76 cards. The answer is 76.",
         .mistake(step: 1, kind: .missingStep), "This step uses 38 before computing it; first compute 47 - 9 = 38."),
        ("Step 1: Ana has 47 - 9 = 38 cards left.\nStep 2: Also 47 + 2 = 49.\nStep 3: Ana has 38 * 2 = 76 cards. The answer is 76.",
         .mistake(step: 2, kind: .extraStep), "47 + 2 = 49 is not needed to answer the question. The next step should be 38 * 2 = 76."),
        ("Step 1: Ana has 47 - 9 = 38 cards left.\nStep 2: Ana has 38 * 2 = 76 cards. The answer is 77.",
         .mistake(step: 2, kind: .wrongFinalAnswer), "The steps give 76, so the answer is 76, not 77."),
        ("Step 1: Ana has 47 - 9 = 38 cards left.\nStep 2: Ana has many cards. The answer is 76.",
         .mistake(step: 2, kind: .unparseable), "This step does not state a calculation that can be checked; it should compute 38 * 2 = 76."),
        ("Step 1: Ana has 47 - 9 = 38 cards left. The answer is 38.",
         .mistake(step: 1, kind: .missingStep), "The solution stops too early; it still has to compute 38 * 2 = 76."),
        ("Step 1: Ana has 47 - 9 = 38 cards left.\nStep 2: Ana has 38 * 2 = 76 cards.",
         .mistake(step: 2, kind: .wrongFinalAnswer), "The solution does not state its final answer; it is 76."),
        ("Ana has some cards.", .mistake(step: 1, kind: .unparseable),
         "This step does not state a calculation that can be checked; it should compute 47 - 9 = 38."),
    ])
    func explanationsNameTheError(solution: String, verdict: Verdict, explanation: String) throws {
        var rng = SeededRNG(seed: 1)
        let result = try OracleCorrector().correct(problem: Self.handProblem, solution: solution, rng: &rng)
        #expect(result.verdict == verdict)
        #expect(result.correction?.explanation == explanation)
        let corrected = try #require(result.correction).correctedSolution(original: Solution(parsing: solution))
        #expect(StepChecker.check(corrected, against: Self.handProblem.graph!).verdict == .correct, "\(corrected.text)")
    }

    @Test func correctSolutionsAreAcceptedWithSpacingAndUnits() throws {
        var rng = SeededRNG(seed: 1)
        let variants = [
            OracleTests.handProblem.solution,
            "Step 1: 47 - 9 = 38\nStep 2: 38 x 2 = 76\nStep 3: The answer is 76.",
            "Step 1: She has 47 cards - 9 cards = 38 cards.\nStep 2: 2 * 38 = 76. The answer is 76.",
        ]
        for text in variants {
            let result = try OracleCorrector().correct(problem: Self.handProblem, solution: text, rng: &rng)
            #expect(result.verdict == .correct, "\(text)")
            #expect(result.correction == nil)
        }
    }

    @Test func anotherValidOrderIsAccepted() throws {
        // 8 * 6 = 48 and 6 * 12 = 72 are independent: either may come first.
        let graph = ComputationGraph(quantities: [8, 6, 6, 12], operations: [
            .init(op: .multiply, lhs: .quantity(0), rhs: .quantity(1), result: 48),
            .init(op: .multiply, lhs: .quantity(2), rhs: .quantity(3), result: 72),
            .init(op: .add, lhs: .result(0), rhs: .result(1), result: 120),
        ])
        let swapped = Solution(parsing: "Step 1: The packs hold 6 * 12 = 72 pens.\nStep 2: The baskets hold 8 * 6 = 48 pens.\nStep 3: 72 + 48 = 120. The answer is 120.")
        #expect(StepChecker.check(swapped, against: graph).verdict == .correct)
        #expect(StepChecker.check(swapped, against: graph).matchedOperations == [1, 0, 2])
    }

    @Test func correctionKeepsValidEarlierStepsInTheirOrder() throws {
        let problem = try #require(Fixtures.wide.first { p in
            p.difficulty == 3 && p.graph!.dependencies(of: 1).isEmpty && p.graph!.dependencies(of: 0).isEmpty
        })
        let gold = Solution(parsing: problem.solution)
        // Swap the two independent steps, then slip in the last one.
        var steps = [gold.steps[1], gold.steps[0], gold.steps[2]]
        let claim = try #require(steps[2].claims.first)
        steps[2].text.replaceSubrange(claim.range, with: ArithmeticClaim.render(claim.operands, claim.operators, result: claim.claimedResult + 1))
        let wrong = Solution(steps: steps).renumbered()
        var rng = SeededRNG(seed: 4)
        let result = try OracleCorrector().correct(problem: problem, solution: wrong, rng: &rng)
        #expect(result.verdict == .mistake(step: 3, kind: .arithmeticSlip))
        let corrected = try #require(result.correction).correctedSolution(original: wrong)
        #expect(corrected.steps.prefix(2).map(\.text) == [gold.steps[1].text, gold.steps[0].text])
        #expect(corrected.steps[2].text == gold.steps[2].text)
    }

    @Test func lowQualityDegradesButStillReachesGold() throws {
        var rng = SeededRNG(seed: 8)
        var degraded: [CorrectionResult.Degradation: Int] = [:]
        var wrongLocations = 0
        for problem in Fixtures.wide.prefix(400) {
            guard let mistake = MistakeInjector().inject(.arithmeticSlip, into: problem, rng: &rng) else { continue }
            let result = try OracleCorrector(quality: 0).correct(problem: problem, solution: mistake.solution, rng: &rng)
            let correction = try #require(result.correction)
            degraded[result.degradation, default: 0] += 1
            #expect(result.verdict == .mistake(step: mistake.step, kind: .arithmeticSlip))
            switch result.degradation {
            case .wrongLocation:
                #expect(correction.incorrectStep != mistake.step)
                wrongLocations += 1
            case .vagueExplanation:
                #expect(correction.explanation == "Step \(mistake.step) contains an error.")
            case .none:
                Issue.record("quality 0 must always degrade")
            }
            #expect(correction.isAccepted(gold: problem.answer))
        }
        #expect(degraded[.none] == nil)
        #expect(wrongLocations > 50)
        #expect((degraded[.vagueExplanation] ?? 0) > 100)
    }

    @Test(arguments: [0.5, 0.8])
    func qualityIsTheShareOfUndegradedCorrections(quality: Double) throws {
        var rng = SeededRNG(seed: SeededRNG.derive(3, String(quality)))
        var total = 0, clean = 0
        for problem in Fixtures.wide.prefix(1000) {
            guard let mistake = MistakeInjector().inject(.arithmeticSlip, into: problem, rng: &rng) else { continue }
            let result = try OracleCorrector(quality: quality).correct(problem: problem, solution: mistake.solution, rng: &rng)
            total += 1
            if result.degradation == .none { clean += 1 }
        }
        // Binomial with n ≈ 1000: four standard deviations are below 0.07.
        #expect(abs(Double(clean) / Double(total) - quality) < 0.07, "\(clean)/\(total)")
    }

    @Test func resultsAreCodable() throws {
        var rng = SeededRNG(seed: 6)
        let problem = Fixtures.wide[20]
        let mistake = try #require(MistakeInjector().inject(.wrongOperation, into: problem, rng: &rng))
        let result = try OracleCorrector().correct(problem: problem, solution: mistake.solution, rng: &rng)
        #expect(try JSONDecoder().decode(CorrectionResult.self, from: JSONEncoder().encode(result)) == result)
        #expect(try JSONDecoder().decode(InjectedMistake.self, from: JSONEncoder().encode(mistake)) == mistake)
    }

    @Test func perfectQualityNeverDegradesAndIsDeterministic() throws {
        let problem = Fixtures.wide[10]
        var injectRNG = SeededRNG(seed: 1)
        let mistake = try #require(MistakeInjector().inject(.wrongOperand, into: problem, rng: &injectRNG))
        var a = SeededRNG(seed: 77), b = SeededRNG(seed: 77)
        let first = try OracleCorrector(quality: 1).correct(problem: problem, solution: mistake.solution, rng: &a)
        let second = try OracleCorrector(quality: 1).correct(problem: problem, solution: mistake.solution, rng: &b)
        #expect(first == second)
        #expect(first.degradation == .none)
    }

    @Test func realDataWithoutGraphIsRefused() {
        var problem = Self.handProblem
        problem.graph = nil
        var rng = SeededRNG(seed: 1)
        #expect(throws: OracleError.noGraph(problemID: "hand-1")) {
            try OracleCorrector().correct(problem: problem, solution: "Step 1: 1 + 1 = 2.", rng: &rng)
        }
    }

    @Test func missingStepIsImpossibleInOneStepProblems() {
        var rng = SeededRNG(seed: 1)
        let one = Fixtures.wide.first { $0.difficulty == 1 }!
        #expect(MistakeInjector().inject(.missingStep, into: one, rng: &rng) == nil)
    }
}
