import Foundation
import LemaCore
import Math
import StageAPI
import TinyGPT

/// Batched text generation with the in-process model: prompts as text in, completions as text out.
struct Generation {
    var pool: ModelPool
    /// A row stops generating at the first stop string and its text is cut before it.
    var decoding: DecodingSettings

    /// Completes each prompt; `seeds` gives one seed per row so a row's text does not depend on its batch-mates.
    /// Prompt handling, stopping and decoding are `TextCompleter`'s (shared with `lema serve`).
    func complete(_ prompts: [String], seeds: [UInt64]) throws -> [String] {
        return try pool.withModel { loaded in
            do {
                let completer = TextCompleter(model: loaded.model, tokenizer: loaded.tokenizer, threads: 1)
                return try completer.complete(prompts, options: decoding, seeds: seeds).map(\.text)
            } catch {
                throw StageFailure("generation failed: \(error)")
            }
        }
    }
}
