import LemaCore
import Testing
@testable import Math

@Suite struct CorrectionTests {
    static let example = Correction(
        incorrectStep: 2, explanation: "47 - 9 is 38, not 37.",
        correctedSteps: [Step(number: 2, text: "Ana has 47 - 9 = 38 cards left."),
                         Step(number: 3, text: "Ana has 38 * 2 = 76 cards. The answer is 76.")])
    static let original = Solution(parsing: "Step 1: Ana has 47 cards.\nStep 2: Ana has 47 - 9 = 37 cards left.\nStep 3: Ana has 37 * 2 = 74 cards. The answer is 74.")

    @Test func rendersTheLeMaFormat() {
        #expect(Self.example.rendered() == """
            Incorrect Step: Step 2.
            Explanation: 47 - 9 is 38, not 37.
            Correct Solution: {
            ...
            Step 2: Ana has 47 - 9 = 38 cards left.
            Step 3: Ana has 38 * 2 = 76 cards. The answer is 76.
            }
            """)
        #expect(Self.example.rendered(style: .full, original: Self.original).contains("{\nStep 1: Ana has 47 cards.\nStep 2:"))
        let first = Correction(incorrectStep: 1, explanation: "e", correctedSteps: [Step(number: 1, text: "1 + 1 = 2. The answer is 2.")])
        #expect(first.rendered() == "Incorrect Step: Step 1.\nExplanation: e\nCorrect Solution: {\nStep 1: 1 + 1 = 2. The answer is 2.\n}")
    }

    @Test func correctedSolutionKeepsEarlierSteps() {
        let full = Self.example.correctedSolution(original: Self.original)
        #expect(full.text == "Step 1: Ana has 47 cards.\nStep 2: Ana has 47 - 9 = 38 cards left.\nStep 3: Ana has 38 * 2 = 76 cards. The answer is 76.")
    }

    @Test(arguments: CorrectionStyle.allCases)
    func generatedCorrectionsRoundTrip(style: CorrectionStyle) throws {
        var rng = SeededRNG(seed: 12)
        var count = 0
        for p in Fixtures.wide.prefix(500) {
            let kind = MistakeKind.allCases[count % MistakeKind.allCases.count]
            guard let m = MistakeInjector().inject(kind, into: p, rng: &rng) else { continue }
            let correction = try #require(try OracleCorrector().correct(problem: p, solution: m.solution, rng: &rng).correction)
            let text = correction.rendered(style: style, original: m.solution)
            #expect(try CorrectionParser.parse(text) == correction, "\(text)")
            count += 1
        }
        #expect(count > 400)
    }

    static let canonicalSteps = [Step(number: 2, text: "47 - 9 = 38."), Step(number: 3, text: "38 * 2 = 76. The answer is 76.")]

    @Test(arguments: [
        "Incorrect Step:   Step 2.  \nExplanation:   Wrong.  \nCorrect Solution: {\n...\nStep 2: 47 - 9 = 38.\nStep 3: 38 * 2 = 76. The answer is 76.\n}",
        "Incorrect Step: Step 2.\nExplanation: Wrong.\nCorrect Solution:\nStep 2: 47 - 9 = 38.\nStep 3: 38 * 2 = 76. The answer is 76.",
        "Incorrect Step: Step 2\nExplanation: Wrong.\nCorrect Solution: {\nStep 2: 47 - 9 = 38.\nStep 3: 38 * 2 = 76. The answer is 76.\n}",
        "Incorrect step: 2\nexplanation: Wrong.\ncorrect solution: {\n…\nStep 2: 47 - 9 = 38.\nStep 3: 38 * 2 = 76. The answer is 76.",
        "incorrect step: step 2.\nExplanation: Wrong.\nCorrect Solution: {Step 2: 47 - 9 = 38. Step 3: 38 * 2 = 76. The answer is 76.}",
        "Incorrect Step: Step 2.\nExplanation: Wrong.\nCorrect Solution: {\nStep 1: 47 cards.\nStep 2: 47 - 9 = 38.\nStep 3: 38 * 2 = 76. The answer is 76.\n}",
        "Incorrect Step: Step 2.\nExplanation: Wrong.\nCorrect Solution: {\n  Step 2: 47 - 9 = 38.\n  Step 3: 38 * 2 = 76. The answer is 76.\n}\nI hope this helps!",
        "Incorrect Step: Step 2.\r\nExplanation: Wrong.\r\nCorrect Solution: {\r\nStep 2: 47 - 9 = 38.\r\nStep 3: 38 * 2 = 76. The answer is 76.\r\n}",
    ])
    func tolerantParsing(text: String) throws {
        let c = try CorrectionParser.parse(text)
        #expect(c.incorrectStep == 2)
        #expect(c.explanation == "Wrong.")
        #expect(c.correctedSteps == Self.canonicalSteps)
    }

    @Test func explanationMentioningAnIncorrectSolutionIsKeptWhole() throws {
        let c = try CorrectionParser.parse("Incorrect Step: Step 1.\nExplanation: This gives an incorrect solution of 5.\nCorrect Solution: {\nStep 1: 2 + 2 = 4. The answer is 4.\n}")
        #expect(c.explanation == "This gives an incorrect solution of 5.")
        #expect(c.finalAnswer == .number(4))
    }

    @Test(arguments: [
        ("Explanation: x\nCorrect Solution: {Step 1: a}", CorrectionParseError.missingLabel("Incorrect Step:"),
         "no 'Incorrect Step:' label found"),
        ("Incorrect Step: the second one.\nExplanation: x\nCorrect Solution: {Step 2: a}",
         .badStepNumber(found: "the second one."), "'Incorrect Step:' is not followed by a step number (found 'the second one.')"),
        ("Incorrect Step: Step 2.\nCorrect Solution: {Step 2: a}", .missingLabel("Explanation:"), "no 'Explanation:' label found"),
        ("Incorrect Step: Step 2.\nExplanation: x", .missingLabel("Correct Solution:"), "no 'Correct Solution:' label found"),
        ("Incorrect Step: Step 2.\nExplanation:\nCorrect Solution: {Step 2: a}", .emptyExplanation, "the explanation is empty"),
        ("Incorrect Step: Step 2.\nExplanation: x\nCorrect Solution: { no steps here }", .noSteps,
         "the corrected solution has no 'Step k:' lines"),
        ("Incorrect Step: Step 2.\nExplanation: x\nCorrect Solution: {\nStep 3: a\n}", .stepsDoNotStart(at: 2, found: 3),
         "the corrected solution starts at Step 3 but the incorrect step is Step 2"),
    ])
    func parseFailuresSayWhy(text: String, error: CorrectionParseError, message: String) {
        #expect(throws: error) { try CorrectionParser.parse(text) }
        #expect(error.description == message)
    }

    @Test func filterRuleKeepsOnlyGoldAnswers() {
        #expect(Self.example.isAccepted(gold: 76))
        #expect(!Self.example.isAccepted(gold: 74))
        let noAnswer = Correction(incorrectStep: 1, explanation: "e", correctedSteps: [Step(number: 1, text: "2 + 2 = 4.")])
        #expect(!noAnswer.isAccepted(gold: 4))
    }
}
