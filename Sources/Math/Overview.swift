// The Math module: everything about math word problems, pure (no I/O beyond reading files it is handed).
//
// Where to find what:
//   Problems and data    Problem, ComputationGraph, Split; ProblemGenerator(config: GeneratorConfig).generate();
//                        ProblemLoader.load(contentsOf:format:options:) for .lemaEval / .gsm8k / .jsonl(fields)
//   Steps and claims     Solution(parsing:) ⇄ .text (exact round trip), Step, ArithmeticClaim.extract(from:)
//   Answers              AnswerExtraction.extract(_:) -> ExtractedAnswer (.number / .none), AnswerComparison,
//                        SafeArithmetic (recursive descent, no eval)
//   Checking             StepChecker.check(_:against:) -> Diagnosis (Verdict + MistakeDetail)
//   Corrections          OracleCorrector(quality:).correct(problem:solution:rng:) -> CorrectionResult;
//                        Correction.rendered(style:original:) ⇄ CorrectionParser.parse(_:);
//                        Correction.isAccepted(gold:) is the paper's filter; MistakeInjector makes wrong solutions
//   Training records     RecordBuilder(templates:style:).cot / .correction(components:) / .correctedAsCoT, and parsers
//   Scoring              Scorer.score(goldFile:predictionFile:) -> ScoreReport; WilsonInterval
//
// Decisions:
//   - Generated solutions put the final sentence on the last step: `Step n: … = N units. The answer is N.`
//   - Corrections render the unchanged earlier steps as one `...` line by default (CorrectionStyle.elided, as in
//     the paper's examples; shorter targets for small models); `.full` repeats them. The parser accepts both.
//   - Verdict step numbers are 1-based positions in the solution, not the numbers the solution wrote.
//   - Answer extraction cuts a completion at "\n\nQuestion: " / "\n\nQ: " before looking for the last
//     "The answer is", so an answer to a hallucinated follow-up question is never taken.
