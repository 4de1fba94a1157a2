import LemaCore
/// One completed prompt.
public struct TextCompletion: Sendable, Hashable {
    /// Why a row ended, in the words of the OpenAI API.
    public enum Finish: String, Sendable, Hashable {
        /// The end token or a stop string.
        case stop
        /// `maxTokens` or the end of the model's context.
        case length
    }

    /// The generated text (specials dropped, cut before the first stop string).
    public var text: String
    /// Tokens fed to the model: `bos` plus the (possibly shortened) prompt.
    public var promptTokens: Int
    /// Tokens generated, the end token and the tokens of a stop string included.
    public var completionTokens: Int
    /// Why the row ended: a stop (end token or stop string) or a length limit.
    public var finish: Finish
    /// Each generated token's text (`<|eos|>` for the end token), aligned with `tokenLogprobs`.
    public var tokens: [String]
    /// log p of each generated token under the model (temperature 1, before top-k/top-p).
    public var tokenLogprobs: [Float]

    /// "stop" or "length".
    public var finishReason: String { finish.rawValue }
}

/// Text in, text out: the one place that turns prompts into tokens and generated tokens into text, shared by the
/// in-process stages and `lema serve` so that the same checkpoint and seeds give the same text either way.
///
/// Each prompt becomes `bos` + its tokens. A prompt too long to leave room for the answer keeps its newest tokens:
/// room for the prompt is `context − min(maxTokens, context / 2)` (at least 1 answer token), so an answer always
/// gets up to half of the context. Rows stop at `eos`, at a stop string, after `maxTokens` tokens or at the end of
/// the context.
///
/// Not thread-safe: the model's activation buffers belong to one caller at a time.
public struct TextCompleter {
    /// The model generating; its activation buffers make the completer single-caller.
    public let model: GPT
    /// Turns prompts into ids and generated ids back into text.
    public let tokenizer: any Tokenizer
    /// Cores the forward passes use.
    public let threads: Int

    /// A completer over `model`; `threads` is raised to at least 1.
    public init(model: GPT, tokenizer: any Tokenizer, threads: Int = 1) {
        self.model = model
        self.tokenizer = tokenizer
        self.threads = max(1, threads)
    }

    /// The prompt tokens a row is generated from: `bos` + the newest tokens that leave room for the answer.
    public func promptTokens(_ prompt: String, maxTokens: Int) -> [Int32] {
        let context = model.config.contextLength
        let room = max(2, context - max(1, min(maxTokens, context / 2)))
        let ids = tokenizer.encode(prompt)
        let kept = ids.count + 1 > room ? Array(ids.suffix(room - 1)) : ids
        return [tokenizer.bos] + kept
    }

    /// Completes each prompt in one batch; `seeds` gives one seed per row so a row's text does not depend on its
    /// batch-mates.
    /// - Parameter observer: hears each row's tokens as they are generated and each row's end (a streaming server);
    ///   it can end a row early. Without one, generation runs exactly as before; with one, rows that are not ended
    ///   early get the same tokens and text.
    public func complete(_ prompts: [String], options: DecodingSettings, seeds: [UInt64],
                         observer: (any TextCompletionObserver)? = nil) throws(GPTError) -> [TextCompletion]
    {
        guard seeds.count == prompts.count else {
            throw .invalidSampling("\(seeds.count) seeds for \(prompts.count) prompts; give one seed per prompt")
        }
        if prompts.isEmpty { return [] }
        let encoded = prompts.map { promptTokens($0, maxTokens: options.maxTokens) }
        var sampling = SamplingOptions(options)
        sampling.stopTokens = [tokenizer.eos]
        let stops = options.stop.filter { !$0.isEmpty }
        let tokenizer = self.tokenizer
        // Stop strings are checked on the decoded text (a string may span several tokens, or end inside one).
        var shouldStop: ((Int, [Int32]) -> Bool)? = stops.isEmpty ? nil : { _, generated in
            let text = tokenizer.decode(generated)
            return stops.contains { text.contains($0) }
        }
        var onToken: ((Int, [Int32], [Float], FinishReason?) -> Void)?
        if let observer {
            let stopsReached = shouldStop
            shouldStop = { row, generated in
                observer.shouldAbandon(row: row) || (stopsReached?(row, generated) ?? false)
            }
            onToken = { row, generated, logProbs, finish in
                if let finish {
                    observer.finished(row: row, Self.completion(
                        generated, logProbs: logProbs, reason: finish, promptTokens: encoded[row].count,
                        stops: stops, tokenizer: tokenizer))
                } else {
                    observer.generated(row: row, token: generated[generated.count - 1],
                                       logprob: logProbs[logProbs.count - 1])
                }
            }
        }
        let result = try Sampler.generate(model: model, prompts: encoded, options: sampling, threads: threads,
                                          rowSeeds: seeds, shouldStop: shouldStop, onToken: onToken)
        return (0..<prompts.count).map { row in
            Self.completion(result.tokens[row], logProbs: result.logProbs[row], reason: result.finishReasons[row],
                            promptTokens: encoded[row].count, stops: stops, tokenizer: tokenizer)
        }
    }

    /// A finished row in words: its text cut before the first stop string, and why it ended.
    private static func completion(_ generated: [Int32], logProbs: [Float], reason: FinishReason, promptTokens: Int,
                                   stops: [String], tokenizer: any Tokenizer) -> TextCompletion {
        var text = tokenizer.decode(generated)
        var finish: TextCompletion.Finish
        switch reason {
        case .stopToken, .stopSequence, .stopCallback: finish = .stop
        case .maxTokens, .contextFull: finish = .length
        }
        if let cut = firstStop(in: text, stops: stops) {
            text = String(text[..<cut])
            finish = .stop
        }
        return TextCompletion(
            text: text, promptTokens: promptTokens, completionTokens: generated.count, finish: finish,
            tokens: generated.map { tokenizer.piece(for: $0) }, tokenLogprobs: logProbs)
    }

    /// Where the earliest occurrence of any (non-empty) stop string begins.
    public static func firstStop(in text: String, stops: [String]) -> String.Index? {
        var earliest: String.Index?
        for stop in stops where !stop.isEmpty {
            guard let found = text.firstRange(of: stop)?.lowerBound else { continue }
            if earliest.map({ found < $0 }) ?? true { earliest = found }
        }
        return earliest
    }
}

/// Hears the rows of `TextCompleter.complete` while they generate, on the generating thread (the batch waits for
/// it, so keep it quick).
public protocol TextCompletionObserver: AnyObject {
    /// Row `row` generated `token` (log p `logprob`) and goes on.
    func generated(row: Int, token: Int32, logprob: Float)
    /// Row `row` ended; `completion` is what `complete` returns for it. Not called for rows that produce no token
    /// (`maxTokens` 0).
    func finished(row: Int, _ completion: TextCompletion)
    /// Whether row `row` should end now (e.g. whoever reads it went away); asked after each token that does not
    /// already end the row.
    func shouldAbandon(row: Int) -> Bool
}
