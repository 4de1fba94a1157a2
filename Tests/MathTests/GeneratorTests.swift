import Foundation
import LemaCore
import Testing
@testable import Math

@Suite struct GeneratorTests {
    @Test func sameSeedGivesIdenticalBytes() throws {
        let config = Fixtures.config(count: 300, seed: 42)
        let a = try ProblemGenerator(config: config).generate()
        let b = try ProblemGenerator(config: config).generate()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(try encoder.encode(a) == encoder.encode(b))
        #expect(a.map(\.id) == (0..<300).map { "syn-42-\($0)" })
    }

    @Test func problemsRoundTripThroughJSON() throws {
        let problems = Array(Fixtures.wide.prefix(200))
        #expect(try JSONDecoder().decode([Problem].self, from: JSONEncoder().encode(problems)) == problems)
    }

    @Test func differentSeedsGiveDifferentProblems() throws {
        let a = try ProblemGenerator(config: Fixtures.config(count: 50, seed: 1)).generate()
        let b = try ProblemGenerator(config: Fixtures.config(count: 50, seed: 2)).generate()
        #expect(Set(a.map(\.question)).intersection(b.map(\.question)).count < 5)
    }

    @Test func splitsAreDisjointAndSizedByFractions() {
        let problems = Fixtures.wide
        #expect(problems.count == 2000)
        var bySplit: [Split: Set<String>] = [:]
        for p in problems { bySplit[p.split, default: []].insert(p.normalizedQuestion) }
        #expect(bySplit[.train]?.count == 1600)
        #expect(bySplit[.dev]?.count == 200)
        #expect(bySplit[.test]?.count == 200)
        #expect(bySplit[.train]!.isDisjoint(with: bySplit[.dev]!))
        #expect(bySplit[.train]!.isDisjoint(with: bySplit[.test]!))
        #expect(bySplit[.dev]!.isDisjoint(with: bySplit[.test]!))
        // Unique over the whole set, not just across splits.
        #expect(Set(problems.map(\.normalizedQuestion)).count == problems.count)
    }

    @Test func difficultyHistogramMatchesUniformConfig() {
        var histogram: [Int: Int] = [:]
        for p in Fixtures.wide { histogram[p.difficulty, default: 0] += 1 }
        #expect(histogram == [1: 400, 2: 400, 3: 400, 4: 400, 5: 400])
        for p in Fixtures.wide { #expect(p.graph?.operations.count == p.difficulty) }
    }

    @Test func difficultyHistogramMatchesWeights() throws {
        var config = Fixtures.config(count: 600, seed: 3, minSteps: 1, maxSteps: 3)
        config.stepWeights = [1, 2, 3]
        var histogram: [Int: Int] = [:]
        for p in try ProblemGenerator(config: config).generate() { histogram[p.difficulty, default: 0] += 1 }
        #expect(histogram == [1: 100, 2: 200, 3: 300])
    }

    @Test func everyGoldSolutionRechecksAsCorrect() {
        for p in Fixtures.wide {
            guard let graph = p.graph else { Issue.record("\(p.id) has no graph"); continue }
            #expect(graph.isConsistent, "\(p.id)")
            #expect(StepChecker.check(Solution(parsing: p.solution), against: graph).verdict == .correct, "\(p.id)")
            #expect(Double(graph.answer) == p.answer)
            #expect(AnswerExtraction.extract(p.solution) == .number(p.answer))
        }
    }

    @Test func numbersRespectTheConfig() {
        let config = Fixtures.config(count: 1000)
        for p in Fixtures.standard {
            let graph = try! #require(p.graph)
            for o in graph.operations { #expect((0...config.maxValue).contains(o.result), "\(p.id)") }
            // Totals a story states (a bill paid with, a goal) are what a result is subtracted from.
            let totals = Set(graph.operations.compactMap { o -> Int? in
                if o.op == .subtract, case .quantity(let i) = o.lhs, case .result = o.rhs { return i }
                return nil
            })
            for (i, q) in graph.quantities.enumerated() {
                let range = totals.contains(i) ? 1...config.maxValue : config.operandRange
                #expect(range.contains(q), "\(p.id): \(q)")
            }
        }
    }

    @Test func defaultProblemsAreShort() {
        let totals = Fixtures.standard.map { $0.question.count + $0.solution.count + 1 }.sorted()
        let questions = Fixtures.standard.map(\.question.count)
        #expect(questions.max()! <= 250)
        #expect(totals[totals.count * 95 / 100] <= 300)
        #expect(totals.last! <= 360)
    }

    @Test func questionsOfferVariety() {
        let openings = Set(Fixtures.wide.map { Problem.normalize($0.question).split(separator: " ").dropFirst().prefix(2).joined(separator: " ") })
        #expect(openings.count >= 10)
        let ops = Set(Fixtures.wide.flatMap { $0.graph!.operations.map(\.op) })
        #expect(ops == Set(ArithmeticOp.allCases))
        #expect(Fixtures.wide.contains { $0.question.contains("$") })
    }

    @Test func onlyAllowedOperationsAreUsed() throws {
        var config = Fixtures.config(count: 300, seed: 9, minSteps: 1, maxSteps: 4)
        config.operations = [.add, .multiply]
        let ops = Set(try ProblemGenerator(config: config).generate().flatMap { $0.graph!.operations.map(\.op) })
        #expect(ops == [.add, .multiply])
    }

    @Test func distractorsAreOffByDefaultRateAndCanBeForced() throws {
        var config = Fixtures.config(count: 100, seed: 5, minSteps: 1, maxSteps: 1)
        config.distractorProbability = 1
        for p in try ProblemGenerator(config: config).generate() {
            // One sentence more than a one-step story needs, and the checker still accepts the gold.
            #expect(StepChecker.check(Solution(parsing: p.solution), against: p.graph!).verdict == .correct)
            let numbersInQuestion = ArithmeticClaimTestSupport.numbers(in: p.question)
            #expect(numbersInQuestion.count == p.graph!.quantities.count + 1, "\(p.question)")
        }
    }

    @Test(arguments: [
        (Fixtures.config(count: 0), "count must be at least 1 (got 0)"),
        (Fixtures.config(count: 5, minSteps: 3, maxSteps: 2), "minSteps (3) must not exceed maxSteps (2)"),
        (Fixtures.config(count: 5, maxSteps: 6), "maxSteps must be at most 5 (got 6)"),
    ])
    func invalidConfigsAreRejectedWithTheFix(config: GeneratorConfig, message: String) {
        #expect(throws: GeneratorError.self) { try ProblemGenerator(config: config).generate() }
        #expect(config.validationIssues.contains(message))
    }

    @Test func exhaustionSaysWhatToWiden() {
        let error = GeneratorError.exhausted(index: 12, steps: 1, produced: 12)
        #expect(error.description == "could not make a new unique 1-step problem (index 12) after 400 attempts; "
            + "12 problems were made. Widen operandRange or maxValue, allow more operations, or lower count.")
    }

    @Test func configDecodingFillsDefaults() throws {
        let config = try JSONDecoder().decode(GeneratorConfig.self, from: Data(#"{"count": 12, "maxSteps": 4}"#.utf8))
        var expected = GeneratorConfig()
        expected.count = 12
        expected.maxSteps = 4
        #expect(config == expected)
        let roundTrip = try JSONDecoder().decode(GeneratorConfig.self, from: JSONEncoder().encode(expected))
        #expect(roundTrip == expected)
    }
}

/// Numbers as written in a text (digits only), for counting.
enum ArithmeticClaimTestSupport {
    static func numbers(in text: String) -> [Int] {
        text.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    }
}
