import Testing
@testable import Math

@Suite("LLM corrector prompt")
struct CorrectionPromptTests {
    /// Every exemplar is a valid LeMa correction: its rendered target parses back to it, its corrected answer is
    /// right (checked by arithmetic here, not by the code under test), and its original answer is wrong.
    @Test(arguments: CorrectionPrompt.standardExemplars.indices)
    func exemplarsAreValidCorrections(_ i: Int) throws {
        let e = CorrectionPrompt.standardExemplars[i]
        let prompt = CorrectionPrompt()
        let record = prompt.builder.correction(question: e.question, original: e.original, correction: e.correction)
        #expect(try prompt.parse(completion: record.target) == e.correction)
        let expected: [Double] = [18, 14, 27]
        #expect(e.correction.isAccepted(gold: expected[i]))
        #expect(!AnswerComparison.matches(e.original.finalAnswer, gold: expected[i]))
        for step in e.correction.correctedSteps {
            let slips = step.claims.filter { !$0.isCorrect }.count
            #expect(slips == 0, "exemplar \(i) step \(step.number) has an arithmetic slip")
        }
        // The original's wrong step holds the slip or the wrong operation the explanation names.
        #expect(e.original.steps.count >= e.correction.incorrectStep)
    }

    @Test(arguments: [0, 1, 3])
    func promptHasTheShotsThenTheQueryEndingAtTheStepLabel(_ shots: Int) {
        let prompt = CorrectionPrompt(shots: shots)
        let text = prompt.prompt(question: "Ann has 3 apples and buys 4 more. How many apples does she have?",
                                 wrongSolution: "Step 1: She has 3 + 4 = 8 apples.\nStep 2: The answer is 8.")
        #expect(text.hasSuffix("Step 1: She has 3 + 4 = 8 apples.\nStep 2: The answer is 8.\n}\nIncorrect Step:"))
        let instruction = "For the following math word problem"
        #expect(text.components(separatedBy: instruction).count - 1 == shots + 1)
        #expect(text.components(separatedBy: "Correct Solution: {").count - 1 == shots)
    }

    /// A model's completion as the stage receives it (after `Incorrect Step:`), with typical deviations.
    @Test func parsesACompletionWithoutTheLabel() throws {
        let completion = " Step 2.\nExplanation: 3 + 4 is 7, not 8.\nCorrect Solution: {\n...\nStep 2: She has 3 + 4 = 7 apples.\nStep 3: The answer is 7.\n}"
        let correction = try CorrectionPrompt().parse(completion: completion)
        #expect(correction.incorrectStep == 2)
        #expect(correction.explanation == "3 + 4 is 7, not 8.")
        #expect(correction.isAccepted(gold: 7))
        #expect(throws: CorrectionParseError.self) { try CorrectionPrompt().parse(completion: " I think it is fine.") }
    }

    @Test func stopSequencesFollowTheTemplate() {
        #expect(CorrectionPrompt().stopSequences.first == "\n\nFor the followin")
        #expect(CorrectionPrompt(builder: RecordBuilder(templates: .compact)).stopSequences.first == "\n\nFix the first wr")
    }
}
