import Foundation
import LemaCore
import Testing
@testable import Math

@Suite struct MajorityVoteTests {
    @Test(arguments: [
        // (answers, minShare, expected)
        ([1, 1, 2] as [Double?], 0.5, MajorityVote.Outcome.label(answer: 1, votes: 2)),
        ([1, 2], 0.5, .noMajority(topVotes: 1)),                 // a tie never wins
        ([1, 1, 2, 2], 0.0, .noMajority(topVotes: 2)),           // not even a plurality vote
        ([nil, nil, nil], 0.5, .noAnswers),
        ([1, nil, nil], 0.5, .noMajority(topVotes: 1)),          // 1 of 3 paths is no majority
        ([1, 1, nil, nil], 0.5, .noMajority(topVotes: 2)),       // exactly half is not more than half
        ([1, 2, 2, nil], 0.0, .label(answer: 2, votes: 2)),      // plurality without a tie
        ([7, 7, 7, 3, 3, 3, 3, 3], 0.5, .label(answer: 3, votes: 5)),
        ([7, 7, 7, 3, 3, 3, 3, 3], 0.7, .noMajority(topVotes: 5)),
    ])
    func decides(answers: [Double?], minShare: Double, expected: MajorityVote.Outcome) {
        #expect(MajorityVote.decide(answers, minShare: minShare) == expected)
    }
}

@Suite struct ProblemEvolverTests {
    static let config: GeneratorConfig = {
        var c = GeneratorConfig()
        c.count = 60
        c.seed = 9
        c.minSteps = 1
        c.maxSteps = 3
        return c
    }()
    static let seeds: [Problem] = (try? ProblemGenerator(config: config).generate()) ?? []

    @Test(arguments: ProblemEvolver.Perturbation.allCases)
    func newQuestionsRelateToTheirSeedAsThePerturbationSays(_ perturbation: ProblemEvolver.Perturbation) throws {
        let evolver = ProblemEvolver(config: Self.config)
        var excluded = Set(Self.seeds.map(\.normalizedQuestion))
        var made = 0
        for seed in Self.seeds.prefix(20) {
            guard let new = try evolver.evolve(seed, perturbation: perturbation, variant: 0, salt: 1, id: "n",
                                               excluded: &excluded) else { continue }
            made += 1
            let (old, graph) = (try #require(seed.graph), try #require(new.graph))
            let oldOps = old.operations.map(\.op.rawValue).sorted(), newOps = graph.operations.map(\.op.rawValue).sorted()
            switch perturbation {
            case .numbers: #expect(newOps == oldOps)
            case .extraStep:
                #expect(newOps.count == oldOps.count + 1)
                var rest = newOps
                for op in oldOps { rest.remove(at: try #require(rest.firstIndex(of: op))) }
                #expect(rest.count == 1)
            case .operation:
                #expect(newOps.count == oldOps.count && newOps != oldOps)
                #expect(Set(newOps).symmetricDifference(Set(oldOps)).count <= 2)
            }
            // The gold answer is the graph's, and the gold solution says it.
            #expect(new.answer == Double(graph.answer))
            #expect(AnswerExtraction.extract(new.solution).value == new.answer)
            #expect(new.difficulty == graph.operations.count)
            #expect(new.question != seed.question)
        }
        #expect(made >= 15, "most seeds should evolve (made \(made) of 20)")
    }

    @Test func sameArgumentsGiveTheSameQuestionAndExcludedQuestionsAreNeverRepeated() throws {
        let evolver = ProblemEvolver(config: Self.config)
        let seed = try #require(Self.seeds.first { $0.difficulty == 2 })
        var first = Set<String>(), second = Set<String>()
        let a = try evolver.evolve(seed, perturbation: .numbers, variant: 3, salt: 7, id: "x", excluded: &first)
        let b = try evolver.evolve(seed, perturbation: .numbers, variant: 3, salt: 7, id: "x", excluded: &second)
        #expect(a != nil && a == b)
        // With a's question excluded, the same call has to find another one.
        let c = try evolver.evolve(seed, perturbation: .numbers, variant: 3, salt: 7, id: "x", excluded: &first)
        #expect(c != nil && c?.question != a?.question)
        #expect(first.count == 2)
    }

    @Test func aProblemWithoutAGraphIsRefusedWithAReason() throws {
        let evolver = ProblemEvolver(config: Self.config)
        let real = Problem(id: "gsm-1", question: "q", solution: "s", answer: 1, difficulty: 1, split: .train)
        var excluded = Set<String>()
        #expect(throws: EvolutionError.noGraph(problem: "gsm-1")) {
            _ = try evolver.evolve(real, perturbation: .numbers, variant: 0, salt: 1, id: "n", excluded: &excluded)
        }
        #expect(EvolutionError.noGraph(problem: "gsm-1").description.contains("LLM endpoint"))
    }
}
