/// The few-shot prompt an LLM corrector gets (the paper used GPT-4 with a handful of worked corrections): the
/// instruction of the LeMa correction format, exemplar corrections written for this project, then the question and
/// the wrong solution, ending at `Incorrect Step:` so the model continues with the step number. The model's text goes
/// through `CorrectionParser`; the exemplars themselves parse back to their corrections (a test checks it).
public struct CorrectionPrompt: Sendable {
    /// A worked exemplar: question, wrong solution, and its correction.
    public struct Exemplar: Sendable, Hashable {
        /// The exemplar's question text.
        public var question: String
        /// The wrong solution the exemplar corrects.
        public var original: Solution
        /// The worked correction of `original`.
        public var correction: Correction
    }

    /// The templates and correction style the prompt is written in.
    public var builder: RecordBuilder
    /// The worked corrections shown before the query, in order.
    public var exemplars: [Exemplar]

    /// `shots` exemplars (at most `Self.standardExemplars.count`) in the builder's templates.
    public init(builder: RecordBuilder = RecordBuilder(), shots: Int = 3) {
        self.builder = builder
        exemplars = Array(Self.standardExemplars.prefix(max(0, shots)))
    }

    /// Where a completion should stop: the start of another exemplar or question (models trained on few-shot text
    /// tend to go on writing the next one).
    public var stopSequences: [String] {
        ["\n\n" + String(builder.templates.correctionPrompt.prefix(16)), "\n\nQuestion:", "\n\nQ:"]
    }

    /// The full prompt for one wrong solution.
    public func prompt(question: String, wrongSolution: String) -> String {
        var text = ""
        for e in exemplars {
            let record = builder.correction(question: e.question, original: e.original, correction: e.correction)
            text += record.prompt + record.target + "\n\n"
        }
        let query = builder.correction(question: question, original: Solution(parsing: wrongSolution),
                                       correction: Correction(incorrectStep: 1, explanation: "-", correctedSteps: []))
        return text + query.prompt
    }

    /// The correction in a completion of `prompt(…)` (the completion starts after `Incorrect Step:`).
    public func parse(completion: String) throws(CorrectionParseError) -> Correction {
        try CorrectionParser.parse(Correction.stepLabel + completion)
    }

    /// Exemplars written for lema: an arithmetic slip, a wrong operation, and a missing step.
    public static let standardExemplars: [Exemplar] = [
        Exemplar(
            question: "A baker makes 12 muffins in each batch. She bakes 4 batches and sells 30 muffins. "
                + "How many muffins does she have left?",
            original: Solution(steps: [
                Step(number: 1, text: "She bakes 12 * 4 = 46 muffins."),
                Step(number: 2, text: "She has 46 - 30 = 16 muffins left."),
                Step(number: 3, text: "The answer is 16."),
            ]),
            correction: Correction(incorrectStep: 1, explanation: "12 * 4 is 48, not 46.", correctedSteps: [
                Step(number: 1, text: "She bakes 12 * 4 = 48 muffins."),
                Step(number: 2, text: "She has 48 - 30 = 18 muffins left."),
                Step(number: 3, text: "The answer is 18."),
            ])),
        Exemplar(
            question: "Tom has 35 marbles. He gives 7 marbles to each of his 3 friends. How many marbles does he "
                + "have now?",
            original: Solution(steps: [
                Step(number: 1, text: "He gives away 7 * 3 = 21 marbles."),
                Step(number: 2, text: "He has 35 + 21 = 56 marbles now."),
                Step(number: 3, text: "The answer is 56."),
            ]),
            correction: Correction(incorrectStep: 2,
                                   explanation: "The marbles he gives away must be subtracted, not added.",
                                   correctedSteps: [
                                       Step(number: 2, text: "He has 35 - 21 = 14 marbles now."),
                                       Step(number: 3, text: "The answer is 14."),
                                   ])),
        Exemplar(
            question: "A garden has 6 rows of 9 tulips. Half of the tulips are red. How many red tulips are there?",
            original: Solution(steps: [
                Step(number: 1, text: "There are 6 * 9 = 54 tulips."),
                Step(number: 2, text: "The answer is 54."),
            ]),
            correction: Correction(incorrectStep: 2,
                                   explanation: "The question asks for the red tulips, which are half of all tulips; "
                                       + "the step dividing by 2 is missing.",
                                   correctedSteps: [
                                       Step(number: 2, text: "There are 54 / 2 = 27 red tulips."),
                                       Step(number: 3, text: "The answer is 27."),
                                   ])),
    ]
}
