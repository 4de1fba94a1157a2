import Endpoint
import Foundation
import LemaCore
import Math
import StageAPI

/// `evolve` with `generator: llm`: each (seed, variant) asks a model behind an endpoint for a related question.
/// Answers holding no usable question (empty, the seed again, a question already in the data) are tried again with
/// another sample index — a new request, so a new cache entry — up to `unparseable_retries` times. Responses are
/// cached in the run's store, so a rerun or resume sends nothing twice.
struct LLMEvolution {
    var context: any StageContext
    var settings: LLMSettings
    let prompt = EvolutionPrompt()

    init(_ p: ParameterValues, context: any StageContext) throws {
        self.context = context
        settings = try LLMSettings(p, context: context, setting: "`generator: llm`")
    }

    /// The new questions (in seed, then variant order) and the stage summary of the calls.
    func run(seeds: [Problem], parameters p: EvolveParameters, excluded: inout Set<String>)
        throws -> ([Problem], [String: JSONValue]) {
        let client = try EndpointBackend.client(settings.config, context: context)
        defer { client.shutdown() }
        let items = seeds.flatMap { seed in (0..<p.perQuestion).map { (seed, $0) } }
        func perturbation(_ variant: Int) -> ProblemEvolver.Perturbation { p.perturbations[variant % p.perturbations.count] }
        var texts = [String?](repeating: nil, count: items.count)
        var unusable = 0
        for attempt in 0...settings.unparseableRetries {
            let open = items.indices.filter { texts[$0] == nil }
            if open.isEmpty { break }
            let calls = open.map { i in
                let (seed, variant) = items[i]
                return EndpointCall(
                    prompt: prompt.prompt(seed: seed.question, perturbation: perturbation(variant)),
                    decoding: settings.decoding(attempt: attempt, stop: EvolutionPrompt.stopSequences),
                    seed: EndpointBackend.wireSeed(SeededRNG.derive(context.seed, seed.id, String(variant), "try\(attempt)")),
                    sampleIndex: attempt)
            }
            // Read in item order, so which of two equal answers counts as the repeat does not depend on timing.
            for (i, reply) in zip(open, try EndpointBackend.texts(calls, client: client, context: context)) {
                guard let question = prompt.parse(completion: reply, seed: items[i].0.question),
                      excluded.insert(Problem.normalize(question)).inserted else { unusable += 1; continue }
                texts[i] = question
            }
            context.progress(done: texts.count { $0 != nil }, total: items.count, note: "try \(attempt + 1)")
        }
        var made: [Problem] = []
        for (i, text) in texts.enumerated() {
            guard let text else { continue }
            let (seed, variant) = items[i]
            made.append(Problem(id: "evo-\(seed.id)-\(variant)", question: text, solution: "", answer: 0,
                                difficulty: seed.difficulty + (perturbation(variant) == .extraStep ? 1 : 0),
                                split: .train))
        }
        let summary = EndpointBackend.summary(client.stats, config: settings.config).merging([
            "unmade": .int(Int64(items.count - made.count)), "unusable_outputs": .int(Int64(unusable)),
        ], uniquingKeysWith: { _, new in new })
        return (made, summary)
    }
}
