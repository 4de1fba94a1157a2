import Endpoint
import Foundation
import LemaCore
import Math
import StageAPI

/// `correct` with `corrector: llm`: each mistake goes to a model behind an endpoint with a few-shot prompt in the
/// LeMa correction format; the completion goes through the correction parser and the paper's filter (keep it only if
/// the corrected answer equals the gold one). Outputs the parser rejects are counted and tried again with another
/// sample index (a new request, so a new cache entry) up to `unparseable_retries` times.
struct LLMCorrection {
    var context: any StageContext
    var prompt: CorrectionPrompt
    var settings: LLMSettings
    var chunk: Int

    init(_ p: ParameterValues, context: any StageContext) throws {
        self.context = context
        let builder = RecordBuilder(templates: try p.templates())
        prompt = CorrectionPrompt(builder: builder, shots: try p.int("shots"))
        settings = try LLMSettings(p, context: context, setting: "`corrector: llm`")
        chunk = try p.int("chunk")
    }

    func run() throws -> StageOutcome {
        let inputs = try CorrectionInputs(context)
        let client = try EndpointBackend.client(settings.config, context: context)
        defer { client.shutdown() }
        let seed = context.seed
        let map = LedgeredMap(keys: inputs.keys, chunkSize: chunk, workers: max(2, context.threads))
        let payloads = try map.run(context) { chunk in
            let items = Array(chunk)  // 0-based: positions below index `problems`, `outcome`, …
            let problems = try items.map { try inputs.problem(of: inputs.mistakes[$0], key: inputs.keys[$0]) }
            let prompts = items.indices.map { j in
                prompt.prompt(question: problems[j].question,
                              wrongSolution: inputs.mistakes[items[j]].text)
            }
            var outcome = [Data?](repeating: nil, count: items.count)
            var unparseable = [Int](repeating: 0, count: items.count)
            // Try 0 for every item, then again only for the items whose output did not parse.
            for attempt in 0...settings.unparseableRetries {
                let open = items.indices.filter { outcome[$0] == nil }
                if open.isEmpty { break }
                let calls = open.map { j in
                    EndpointCall(prompt: prompts[j], decoding: settings.decoding(attempt: attempt, stop: prompt.stopSequences),
                                 seed: EndpointBackend.wireSeed(SeededRNG.derive(seed, inputs.keys[items[j]], "try\(attempt)")),
                                 sampleIndex: attempt)
                }
                let texts = try EndpointBackend.texts(calls, client: client, context: context)
                for (j, text) in zip(open, texts) {
                    do {
                        let correction = try prompt.parse(completion: text)
                        outcome[j] = Self.judge(correction, mistake: inputs.mistakes[items[j]], problem: problems[j],
                                                model: settings.config.model, unparseable: unparseable[j])
                    } catch {
                        unparseable[j] += 1
                    }
                }
            }
            return items.indices.map { j in
                outcome[j] ?? CorrectionOutcome.rejected(reason: "unparseable_output",
                                                         unparseableOutputs: unparseable[j]).payload
            }
        }
        // Unparseable outputs over all tries are kept in each payload, so the count survives a resume.
        return try inputs.finish(payloads, context: context, extra: EndpointBackend.summary(client.stats, config: settings.config),
                                 countUnparseableOutputs: true)
    }

    /// The ledger payload for a parsed correction: the record, or why it was rejected.
    static func judge(_ correction: Correction, mistake: SampleRecord.Path, problem: Problem, model: String,
                      unparseable: Int) -> Data {
        let steps = Solution(parsing: mistake.text).steps.count
        // A step the wrong solution does not have, or a corrected answer that misses the gold one: rejected.
        guard correction.incorrectStep >= 1, steps == 0 || correction.incorrectStep <= steps + 1,
              correction.isAccepted(gold: problem.answer) else {
            return CorrectionOutcome.rejected(reason: "rejected", unparseableOutputs: unparseable).payload
        }
        return CorrectionOutcome.kept(CorrectionRecord(
            mistake: mistake, problem: problem, correction: correction, corrector: "llm:\(model)",
            errorKind: "unknown", degradation: "none", unparseableOutputs: unparseable > 0 ? unparseable : nil)).payload
    }
}
