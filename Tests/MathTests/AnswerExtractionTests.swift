import Foundation
import Testing
@testable import Math

@Suite struct AnswerExtractionTests {
    /// Tricky completions with the value a careful reader (and the GSM8K rules) would take, written by hand.
    static let tricky: [(String, Double?)] = [
        ("Janet sells 16 - 3 - 4 = 9 duck eggs a day. She makes 9 * 2 = $18 every day. The answer is 18.", 18),
        ("The answer is: 42", 42),
        ("The answer is $1,234.", 1234),
        ("The answer is 1,234,567.", 1_234_567),
        ("The answer is 3/4.", 0.75),
        ("The answer is 12*3.", 36),
        ("The answer is 12 * 3 = 36.", 36),
        ("The answer is 50%.", 50),
        ("The answer is 7 apples.", 7),
        ("The answer is -5.", -5),
        ("The answer is 0.", 0),
        ("I don't know.", nil),
        ("", nil),
        ("The answer is", nil),
        ("The answer is unknown.", nil),
        ("The answer is 3.5.", 3.5),
        ("The answer is .5", 0.5),
        ("The answer is 5.\n\nQuestion: Tom has 3 apples. How many? The answer is 3.", 5),
        ("The answer is 5.\n\nQ: How many? The answer is 3.", 5),
        ("the answer is 12", 12),
        ("THE ANSWER IS 9", 9),
        ("The answer is 8. Wait, the answer is 9.", 9),
        ("The answer is 9.\nThe answer is 10.", 10),
        ("The answer is 20 dollars per hour.", 20),
        ("The answer is $ 1,000.50.", 1000.5),
        ("The answer is 1/2 of 10 = 5.", 5),
        ("The answer is 3 + 4.", 7),
        ("The answer is (2 + 3) * 4.", 20),
        ("The answer is 10/0.", 10),
        ("The answer is 5 %", 5),
        ("The answer is 50% of 20.", 50),
        ("The answer is 2 hours and 30 minutes.", 2),
        ("The answer is 4,5.", 45),
        ("The answer is 12 x 3.", 36),
        ("The answer is −7.", -7),
        ("The answer is 6 × 7.", 42),
        ("The answer is 84 ÷ 4.", 21),
        ("The answer is **15**.", 15),
        ("The answer is \\boxed{15}.", 15),
        ("The answer is 15\nStep 5: 15 + 3 = 18", 15),
        ("Step 1: 2 + 2 = 4. So the answer is 4", 4),
        ("The answer is: $5.50", 5.5),
        ("The answer is 0.25 = 25%.", 25),
        ("The answer is 007.", 7),
        ("The answer is 3 apples and 4 pears.", 3),
        ("The answer is 6 boxes, 3 each.", 6),
        ("The answer is 7 x.", 7),
        ("The answer is $-12.", -12),
        ("The answer is - 12.", -12),
        ("The answer is 1,000 + 250 = $1,250.", 1250),
        ("The answer is twelve.", nil),
        ("No marker here: 12 + 3 = 15.", nil),
        ("The answer is 5.\n\n", 5),
        ("The answer is 100.   ", 100),
        ("Step 1: 4 * 6 = 24 pens.\nStep 2: 24 - 5 = 19 pens. The answer is 19.", 19),
    ]

    @Test(arguments: tricky)
    func trickyCompletions(text: String, expected: Double?) {
        let got = AnswerExtraction.extract(text)
        #expect(got == (expected.map(ExtractedAnswer.number) ?? ExtractedAnswer.none), "\(text.debugDescription)")
    }

    @Test func tableIsLargeEnough() { #expect(Self.tricky.count >= 40) }

    @Test func twoThirdsIsEvaluatedNotTruncated() {
        #expect(AnswerExtraction.extract("The answer is 2/3") == .number(2.0 / 3.0))
    }

    @Test func noAnswerIsDistinctFromZero() {
        #expect(AnswerExtraction.extract("The answer is 0.") != AnswerExtraction.extract("nothing"))
        #expect(!AnswerComparison.matches(ExtractedAnswer.none, gold: 0))
        #expect(AnswerComparison.matches(ExtractedAnswer.number(0), gold: 0))
    }

    @Test(arguments: [
        (3.333, 3.33, true, true),
        (3.333, 3.33, false, false),
        (18.0, 18.0, false, true),
        (18.0000000001, 18.0, false, false),
        (17.0, 18.0, true, false),
        (0.125, 0.13, true, true),
    ])
    func comparison(predicted: Double, gold: Double, round: Bool, expected: Bool) {
        #expect(AnswerComparison.matches(predicted, gold: gold, roundToTwoDecimals: round) == expected)
    }

    /// Exact equality, as the reference evaluation compares floats: the rows are answers as a model writes them,
    /// extracted and compared with the gold number.
    @Test(arguments: [
        // Large answers off by one: a common model mistake that a relative tolerance used to forgive.
        ("The answer is 1,449,999.", 1_450_000.0, false),
        ("The answer is 1,450,000.", 1_450_000, true),
        ("The answer is $999,999.", 1_000_000, false),
        ("The answer is 12345679.", 12_345_678, false),
        ("The answer is 9007199254740993.", 9_007_199_254_740_992, true),  // both round to the same double
        ("The answer is 250000001 cents.", 250_000_000, false),
        // Decimals.
        ("The answer is 0.5.", 0.5, true),
        ("The answer is 0.50.", 0.5, true),
        ("The answer is 3.14.", 3.14, true),
        ("The answer is 3.1400001.", 3.14, false),
        ("The answer is 12.5%.", 12.5, true),
        // Arithmetic whose float result is not exact: the reference evaluates it and compares the float.
        ("The answer is 0.1 + 0.2.", 0.3, false),
        ("The answer is 1/3.", 0.3333333333333333, true),
        ("The answer is 1/3.", 0.33, false),
        ("The answer is 3 * 1.1.", 3.3, false),
        ("The answer is 7 * 3 = 21.", 21, true),
        ("The answer is 10/4.", 2.5, true),
    ] as [(String, Double, Bool)])
    func comparisonIsExact(completion: String, gold: Double, expected: Bool) {
        #expect(AnswerComparison.matches(AnswerExtraction.extract(completion), gold: gold) == expected)
    }

    @Test(arguments: [
        ("1+2*3", 7.0), ("(1+2)*3", 9), ("-(2+3)", -5), ("3 / 4", 0.75), ("1.5*2", 3), ("((((1))))", 1),
        ("2 - -3", 5), ("10/4/5", 0.5), ("+7", 7),
    ] as [(String, Double)])
    func safeArithmeticEvaluates(text: String, value: Double) {
        #expect(SafeArithmetic.evaluate(text) == value)
    }

    @Test(arguments: ["2/0", "1+", "2**3", "abc", "1..2", "", "(1+2", "1+2)", "import os",
                      String(repeating: "(", count: 40) + "1" + String(repeating: ")", count: 40),
                      String(repeating: "1+", count: 150) + "1"])
    func safeArithmeticRejects(text: String) {
        #expect(SafeArithmetic.evaluate(text) == nil)
    }

    /// Every GSM8K gold completion states a non-zero answer, and extraction agrees with a plain reading of the number
    /// after the final "The answer is ".
    @Test(.enabled(if: SharedData.available, SharedData.skipMessage))
    func allGSM8KGoldsExtract() throws {
        let url = try #require(SharedData.gsm8k)
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline)
        #expect(lines.count == 1319)
        for (i, line) in lines.enumerated() {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let completion = try #require(object["completion"] as? String)
            let got = AnswerExtraction.extract(completion)
            let value = try #require(got.value, "line \(i + 1): \(completion.suffix(60))")
            #expect(value != 0, "line \(i + 1)")
            // Independent reading: the digits after the last marker.
            let tail = try #require(completion.components(separatedBy: "The answer is ").last)
            let plain = Double(tail.filter { $0.isNumber || $0 == "-" || $0 == "." }.trimmingCharacters(in: CharacterSet(charactersIn: ".")))
            #expect(plain == value, "line \(i + 1): \(tail)")
        }
    }
}
