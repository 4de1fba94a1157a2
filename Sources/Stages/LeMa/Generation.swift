import Foundation
import LemaCore
import Math
import StageAPI
import TinyGPT

/// Batched text generation with the in-process model: prompts as text in, completions as text out.
struct Generation {
    var pool: ModelPool
    var maxTokens: Int
    var temperature: Float
    var topK: Int?
    var topP: Float?

    /// Completes each prompt; `seeds` gives one seed per row so a row's text does not depend on its batch-mates.
    func complete(_ prompts: [String], seeds: [UInt64]) throws -> [String] {
        let tokenizer = pool.tokenizer
        let context = pool.config.contextLength
        // Keep room for at least a short answer: an over-long prompt loses its oldest tokens (after `bos`).
        let room = max(2, context - max(1, min(maxTokens, context / 2)))
        let encoded: [[Int32]] = prompts.map { prompt in
            let ids = tokenizer.encode(prompt)
            let kept = ids.count + 1 > room ? Array(ids.suffix(room - 1)) : ids
            return [tokenizer.bos] + kept
        }
        var options = SamplingOptions()
        options.maxNewTokens = maxTokens
        options.temperature = temperature
        options.topK = topK
        options.topP = topP
        options.stopTokens = [tokenizer.eos]
        let result = try pool.withModel { loaded in
            do {
                return try Sampler.generate(model: loaded.model, prompts: encoded, options: options, threads: 1,
                                            rowSeeds: seeds)
            } catch {
                throw StageFailure("generation failed: \(error)")
            }
        }
        return result.tokens.map { tokenizer.decode($0) }
    }
}

/// What sampling and evaluation record per (question, sample).
enum SampleRecord {
    static func make(problem: Problem, sample: Int, text: String) -> [String: JSONValue] {
        let answer = AnswerExtraction.extract(text)
        return [
            "problem_id": .string(problem.id), "sample": .int(Int64(sample)), "question": .string(problem.question),
            "gold": RecordLine.number(problem.answer), "text": .string(text),
            "answer": RecordLine.number(answer.value),
            "correct": .bool(AnswerComparison.matches(answer, gold: problem.answer)),
            "difficulty": .int(Int64(problem.difficulty)),
        ]
    }
}
