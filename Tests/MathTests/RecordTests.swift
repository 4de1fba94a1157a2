import LemaCore
import Testing
@testable import Math

@Suite struct RecordTests {
    @Test func cotRecordHasThePaperFormat() {
        let r = RecordBuilder().cot(question: "Mia has 2 pens. How many?", solution: "Step 1: 2 + 0 = 2. The answer is 2.")
        #expect(r.prompt == "Please solve the following math problem.\nQuestion: Mia has 2 pens. How many?\nAnswer: Let's think step by step.\n")
        #expect(r.target == "Step 1: 2 + 0 = 2. The answer is 2.")
    }

    @Test func correctionRecordSplitsAfterTheFirstLabel() {
        let r = RecordBuilder().correction(question: "Q?", original: CorrectionTests.original, correction: CorrectionTests.example)
        #expect(r.prompt.hasPrefix("For the following math word problem, the original solution may contain errors."))
        #expect(r.prompt.hasSuffix("\nQuestion: Q?\nOriginal Solution: {\n\(CorrectionTests.original.text)\n}\nIncorrect Step:"))
        #expect(r.target == " Step 2.\nExplanation: 47 - 9 is 38, not 37.\nCorrect Solution: {\n...\nStep 2: Ana has 47 - 9 = 38 cards left.\nStep 3: Ana has 38 * 2 = 76 cards. The answer is 76.\n}")
    }

    @Test(arguments: [
        (CorrectionComponents([.explanation, .solution]), "Explanation:", [false, true, true]),
        ([.step, .solution], "Incorrect Step:", [true, false, true]),
        ([.step, .explanation], "Incorrect Step:", [true, true, false]),
        ([.solution], "Correct Solution:", [false, false, true]),
    ] as [(CorrectionComponents, String, [Bool])])
    func droppingComponents(components: CorrectionComponents, promptEnd: String, present: [Bool]) throws {
        let r = RecordBuilder().correction(question: "Q?", original: CorrectionTests.original,
                                           correction: CorrectionTests.example, components: components)
        #expect(r.prompt.hasSuffix(promptEnd))
        #expect(r.text.contains("Incorrect Step: Step 2.") == present[0])
        #expect(r.text.contains("Explanation:") == present[1])
        #expect(r.text.contains("Correct Solution:") == present[2])
        let parsed = try #require(RecordBuilder().parseCorrection(r))
        #expect((parsed.parts.incorrectStep != nil) == present[0])
        #expect((parsed.parts.explanation != nil) == present[1])
        #expect((parsed.parts.solutionSteps != nil) == present[2])
    }

    @Test func correctedSolutionAsCoT() {
        let r = RecordBuilder().correctedAsCoT(question: "Q?", original: CorrectionTests.original, correction: CorrectionTests.example)
        #expect(r.target == "Step 1: Ana has 47 cards.\nStep 2: Ana has 47 - 9 = 38 cards left.\nStep 3: Ana has 38 * 2 = 76 cards. The answer is 76.")
        #expect(r.prompt == RecordBuilder().cot(question: "Q?", solution: "").prompt)
    }

    @Test(arguments: [RecordTemplates.paper, .compact], CorrectionStyle.allCases)
    func generatedRecordsRoundTrip(templates: RecordTemplates, style: CorrectionStyle) throws {
        let builder = RecordBuilder(templates: templates, style: style)
        var rng = SeededRNG(seed: 21)
        for (i, p) in Fixtures.wide.prefix(300).enumerated() {
            let cot = builder.cot(question: p.question, solution: p.solution)
            let back = try #require(builder.parseCoT(cot))
            #expect(back.question == p.question)
            #expect(back.solution == p.solution)

            let kind = MistakeKind.allCases[i % MistakeKind.allCases.count]
            guard let m = MistakeInjector().inject(kind, into: p, rng: &rng) else { continue }
            let correction = try #require(try OracleCorrector().correct(problem: p, solution: m.solution, rng: &rng).correction)
            let record = builder.correction(question: p.question, original: m.solution, correction: correction)
            let parsed = try #require(builder.parseCorrection(record))
            #expect(parsed.question == p.question)
            #expect(parsed.original == m.solution)
            #expect(parsed.parts.incorrectStep == correction.incorrectStep)
            #expect(parsed.parts.explanation == correction.explanation)
            let written = try #require(parsed.parts.solutionSteps)
            #expect(Array(written.drop { $0.number < correction.incorrectStep }) == correction.correctedSteps)
            #expect(try CorrectionParser.parse(String(record.prompt.suffix(Correction.stepLabel.count)) + record.target) == correction)

            let asCoT = builder.correctedAsCoT(question: p.question, original: m.solution, correction: correction)
            #expect(StepChecker.check(Solution(parsing: asCoT.target), against: p.graph!).verdict == .correct)
        }
    }

    @Test func foreignPromptsAreNotParsed() {
        #expect(RecordBuilder().parseCoT(TrainingRecord(prompt: "Hello", target: "x")) == nil)
        #expect(RecordBuilder().parseCorrection(TrainingRecord(prompt: "Hello\nIncorrect Step:", target: " Step 1.")) == nil)
    }
}
