import LemaCore
import Testing
@testable import Math

@Suite struct StepsTests {
    @Test func goldSolutionsRoundTripExactly() {
        for p in Fixtures.wide {
            let parsed = Solution(parsing: p.solution)
            #expect(parsed.text == p.solution)
            #expect(parsed.preamble == nil)
            #expect(parsed.steps.map(\.number) == Array(1...p.difficulty))
            #expect(parsed.steps.allSatisfy { $0.claims.count == 1 })
        }
    }

    @Test func wrongSolutionsRoundTripToo() throws {
        var rng = SeededRNG(seed: 2)
        for p in Fixtures.wide.prefix(300) {
            for kind in MistakeKind.allCases {
                guard let m = MistakeInjector().inject(kind, into: p, rng: &rng) else { continue }
                #expect(Solution(parsing: m.solution.text) == m.solution)
            }
        }
    }

    @Test func preambleAndContinuationLinesAreKept() {
        let text = "Let me think.\nStep 1: 2 + 2 = 4\nso four\nStep 2: 4 * 3 = 12. The answer is 12."
        let s = Solution(parsing: text)
        #expect(s.preamble == "Let me think.")
        #expect(s.steps == [Step(number: 1, text: "2 + 2 = 4\nso four"), Step(number: 2, text: "4 * 3 = 12. The answer is 12.")])
        #expect(s.text == text)
        #expect(s.finalAnswer == .number(12))
    }

    @Test(arguments: [
        ("Step 1: a", 1, "a"), ("step 3. x", 3, "x"), ("  Step 12 : y", 12, "y"), ("Step 2:  two spaces", 2, " two spaces"),
        ("Step 4:", 4, ""),
    ])
    func stepHeaders(line: String, number: Int, text: String) throws {
        let header = try #require(Solution.stepHeader(Substring(line)))
        #expect(header.0 == number)
        #expect(String(header.1) == text)
    }

    @Test(arguments: ["Steps 1: no", "Step one: no", "Step 1 no colon", "The Step 1: inside", "Step: 1"])
    func notStepHeaders(line: String) {
        #expect(Solution.stepHeader(Substring(line)) == nil)
    }

    @Test func windowsLineEndsSplitAndRoundTrip() {
        let text = "Step 1: 1 + 1 = 2\r\nStep 2: 2 + 1 = 3"
        let s = Solution(parsing: text)
        #expect(s.steps.count == 2)
        #expect(s.text == text)
    }

    @Test func renumbering() {
        let s = Solution(steps: [Step(number: 4, text: "a"), Step(number: 9, text: "b")]).renumbered(from: 2)
        #expect(s.text == "Step 2: a\nStep 3: b")
    }

    struct ClaimCase: Sendable, CustomStringConvertible {
        var text: String
        var claims: [([Double], [ArithmeticOp], Double, Bool)]
        var description: String { text }
    }

    static let claimCases: [ClaimCase] = [
        .init(text: "Janet sells 16 - 3 - 4 = 9 duck eggs a day.", claims: [([16, 3, 4], [.subtract, .subtract], 9, true)]),
        .init(text: "She makes 9 * 2 = $18 every day", claims: [([9, 2], [.multiply], 18, true)]),
        .init(text: "80,000 + 50,000 = $130,000.", claims: [([80000, 50000], [.add], 130_000, true)]),
        .init(text: "He pays 3 x $4 = $12.", claims: [([3, 4], [.multiply], 12, true)]),
        .init(text: "5 apples + 3 apples = 8 apples", claims: [([5, 3], [.add], 8, true)]),
        .init(text: "Ana has 47 - 9 = 37 cards left.", claims: [([47, 9], [.subtract], 37, false)]),
        .init(text: "Each gets 7 / 3 = 2.33 pies.", claims: [([7, 3], [.divide], 2.33, true)]),
        .init(text: "Each gets 7 / 3 = 2.3 pies.", claims: [([7, 3], [.divide], 2.3, true)]),
        .init(text: "Each gets 7 / 3 = 2.4 pies.", claims: [([7, 3], [.divide], 2.4, false)]),
        .init(text: "4 * 6 = 24 and 24 + 1 = 25.", claims: [([4, 6], [.multiply], 24, true), ([24, 1], [.add], 25, true)]),
        .init(text: "5 - -3 = 8", claims: [([5, -3], [.subtract], 8, true)]),
        .init(text: "2 + 3 * 4 = 14", claims: [([2, 3, 4], [.add, .multiply], 14, true)]),
        .init(text: "There are 3 boxes and 4 bags.", claims: []),
        .init(text: "1,000 × 3 = 3,000", claims: [([1000, 3], [.multiply], 3000, true)]),
        .init(text: "12 ÷ 4 = 3", claims: [([12, 4], [.divide], 3, true)]),
        .init(text: "x = 5", claims: []),
        .init(text: "3x4=12", claims: [([3, 4], [.multiply], 12, true)]),
        .init(text: "$1.50 * 4 = $6 in total", claims: [([1.5, 4], [.multiply], 6, true)]),
        .init(text: "The box weighs 4 - = 2 kg", claims: []),
        .init(text: "He has 10 - 3 = 7 pens left; 7 * 2 = 15.", claims: [([10, 3], [.subtract], 7, true), ([7, 2], [.multiply], 15, false)]),
    ]

    @Test(arguments: claimCases)
    func claimExtraction(c: ClaimCase) {
        let claims = ArithmeticClaim.extract(from: c.text)
        #expect(claims.count == c.claims.count)
        for (claim, expected) in zip(claims, c.claims) {
            #expect(claim.operands == expected.0)
            #expect(claim.operators == expected.1)
            #expect(claim.claimedResult == expected.2)
            #expect(claim.isCorrect == expected.3)
        }
    }

    @Test func claimRangeCoversTheCalculation() throws {
        let text = "Mia has 4 * 6 = 24 pens."
        let claim = try #require(ArithmeticClaim.extract(from: text).first)
        #expect(text[claim.range] == "4 * 6 = 24")
        #expect(ArithmeticClaim.render([4, 6], [.multiply], result: 24) == "4 * 6 = 24")
        #expect(ArithmeticClaim.render([7, 3], [.divide], result: 7.0 / 3.0) == "7 / 3 = 2.33")
    }

    @Test(arguments: [(24.0, "24"), (2.5, "2.5"), (7.0 / 3.0, "2.33"), (-3, "-3"), (0.1, "0.1"), (1e6, "1000000")])
    func numberText(value: Double, text: String) {
        #expect(NumberText.render(value) == text)
    }
}
