import Engine
import Foundation
import LemaCore
import LemaTestSupport
import Testing

/// `evolve` with `generator: llm` on real-data-style questions (no computation graphs), then a teacher behind the
/// same loopback server and `vote`: new questions come from the model's answers, unusable answers are retried and
/// counted, pseudo-gold is the teacher's majority, and a rerun sends no request again.
@Suite(.serialized) struct EvolutionEndpointTests {
    static let questions = [
        ("Tom has 3 apples and buys 4 more. How many apples does he have?", 7),
        ("A box holds 6 pens. How many pens are in 5 boxes?", 30),
        ("Sara had 20 stamps and gave away 8. How many stamps are left?", 12),
        ("Each of 4 friends brings 3 cakes. How many cakes are there?", 12),
    ]

    static let spec = """
        name: evolve-llm
        seed: 3
        params:
          url: http://127.0.0.1:9/v1
        x-endpoint: &endpoint {base_url: "${params.url}", model: writer, max_concurrent: 2}
        stages:
          problems:
            kind: dataset
            source: file
            path: questions.jsonl
            format: gsm8k
            split: train
          evolve:
            kind: evolve
            problems: problems
            seeds: random
            count: 4
            per_question: 2
            perturbations: [numbers, extra_step]
            generator: llm
            endpoint: *endpoint
          teacher:
            kind: sample
            questions: evolve
            k: 3
            endpoint: *endpoint
          vote:
            kind: vote
            questions: evolve
            samples: teacher
        """

    /// The fake model: a new question naming its seed's first word and the instruction, except for Sara's question,
    /// which it only copies (unusable); answers to anything else say 42.
    static func reply(_ prompt: String) -> String {
        guard prompt.hasSuffix("New problem:") else { return " Step 1: 40 + 2 = 42. The answer is 42." }
        let seed = prompt.components(separatedBy: "Problem: ").last?.components(separatedBy: "\n").first ?? ""
        if seed.hasPrefix("Sara") { return " " + seed + "\n\nProblem: more" }
        let kind = prompt.contains("one more calculation step") ? "longer" : "renumbered"
        return " New problem: A \(kind) version of '\(seed.prefix(12))': how many are there?\n\nSolution: …"
    }

    @Test func newQuestionsComeFromTheModelAndPseudoGoldFromTheTeacher() async throws {
        let server = try await FaultServer.start { Self.reply($0) }
        try await CLI.withScratchAsync { dir in
            let lines = Self.questions.map { q, a in
                JSONValue.object(["question": .string(q), "answer": .string("So \(a).\n#### \(a)")]).canonicalText
            }
            try CLI.write(lines.joined(separator: "\n") + "\n", to: dir.appendingPathComponent("questions.jsonl"))
            let spec = dir.appendingPathComponent("evolve.yaml")
            try CLI.write(Self.spec, to: spec)
            let args = ["run", spec.path, "--runs-dir", "runs", "--set", "params.url=\(server.baseURL)", "-q"]
            let first = try await EndpointStageTests.lema(args, in: dir)
            #expect(first.code == 0, "\(first.stderr)")
            let summaries = try RunState.summaries(dir, run: "evolve-llm")
            let evolve = try #require(summaries["evolve"])
            // 4 seeds × 2: Sara's two items are unusable on both tries (2 + 2 requests), the other six usable at once.
            #expect(evolve["questions"]?.intValue == 6 && evolve["unmade"]?.intValue == 2)
            #expect(evolve["unusable_outputs"]?.intValue == 4 && evolve["requests_sent"]?.intValue == 10)
            let made = CLI.lines(try EndpointStageTests.artifact(dir, run: "evolve-llm", stage: "evolve",
                                                                 file: "problems_evolved.jsonl"))
            let texts = try made.map { try #require(JSONValue.parse(Data($0.utf8))["question"]?.stringValue) }
            #expect(texts.filter { $0.hasPrefix("A renumbered version of") }.count == 3)
            #expect(texts.filter { $0.hasPrefix("A longer version of") }.count == 3)
            #expect(texts.allSatisfy { !$0.contains("Sara") && $0.hasSuffix("how many are there?") })
            let vote = try #require(summaries["vote"])
            #expect(vote["labelled"]?.intValue == 6 && vote["pseudo_gold_correct"] == nil)
            let labelled = CLI.lines(try EndpointStageTests.artifact(dir, run: "evolve-llm", stage: "vote",
                                                                     file: "problems_labelled.jsonl"))
            #expect(try labelled.map { try JSONValue.parse(Data($0.utf8))["answer"]?.doubleValue } == Array(repeating: 42, count: 6))

            let sent = server.requests().count
            let before = CLI.tree(dir.appendingPathComponent("runs/evolve-llm/nodes"))
            let invalidated = try CLI.run(["invalidate", spec.path, "evolve", "--runs-dir", "runs"], in: dir)
            #expect(invalidated.code == 0, "\(invalidated.stderr)")
            let second = try await EndpointStageTests.lema(args, in: dir)
            #expect(second.code == 0, "\(second.stderr)")
            #expect(server.requests().count == sent, "a rerun sent requests again")
            #expect(CLI.tree(dir.appendingPathComponent("runs/evolve-llm/nodes")) == before)
        }
        await server.stop()
    }
}
