import LemaCore

/// How the sampler picks tokens: the token-level form of `DecodingSettings` (stop tokens instead of stop strings,
/// the seed, the KV cache switch). Temperature 0 is greedy decoding (argmax, lowest id on ties).
public struct SamplingOptions: Codable, Sendable, Hashable {
    /// New tokens per row at most.
    public var maxNewTokens: Int = 128
    /// Softmax temperature; 0 = greedy.
    public var temperature: Float = 1
    /// Keep only the k most likely tokens (nil = all).
    public var topK: Int? = nil
    /// Keep the smallest set of most likely tokens whose probability reaches p (nil = all).
    public var topP: Float? = nil
    /// A row stops after producing any of these ids (the id is kept in the output).
    public var stopTokens: [Int32] = []
    /// A row stops when its generated tokens end with one of these sequences (kept in the output).
    public var stopSequences: [[Int32]] = []
    /// Base seed; row b draws from SeededRNG(derive(seed, "row", b)) unless per-row seeds are given.
    public var seed: UInt64 = 0
    /// Use the key/value cache (fast path); false recomputes the whole sequence each step (reference path).
    public var useKVCache: Bool = true

    /// Defaults as the properties: 128 new tokens, temperature 1, no top-k/top-p, no stops, seed 0, KV cache on.
    public init(
        maxNewTokens: Int = 128, temperature: Float = 1, topK: Int? = nil, topP: Float? = nil,
        stopTokens: [Int32] = [], stopSequences: [[Int32]] = [], seed: UInt64 = 0, useKVCache: Bool = true
    ) {
        self.maxNewTokens = maxNewTokens
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.stopTokens = stopTokens
        self.stopSequences = stopSequences
        self.seed = seed
        self.useKVCache = useKVCache
    }

    /// The sampler's form of text-level decoding settings: temperature and top-p rounded to `Float` (the sampler's
    /// arithmetic) here and nowhere else; text stop strings are `TextCompleter`'s, so no stop tokens are set.
    public init(_ decoding: DecodingSettings, seed: UInt64 = 0) {
        self.init(maxNewTokens: decoding.maxTokens, temperature: Float(decoding.temperature), topK: decoding.topK,
                  topP: decoding.topP.map(Float.init), seed: seed)
    }

    /// Greedy decoding.
    public static func greedy(maxNewTokens: Int = 128) -> SamplingOptions {
        SamplingOptions(maxNewTokens: maxNewTokens, temperature: 0)
    }

    func validate() throws(GPTError) {
        guard maxNewTokens >= 0 else { throw .invalidSampling("maxNewTokens must be ≥ 0, got \(maxNewTokens)") }
        guard temperature >= 0, temperature.isFinite else {
            throw .invalidSampling("temperature must be ≥ 0 (0 = greedy), got \(temperature)")
        }
        if let k = topK, k < 1 { throw .invalidSampling("topK must be ≥ 1, got \(k)") }
        if let p = topP, !(p > 0 && p <= 1) { throw .invalidSampling("topP must be in (0, 1], got \(p)") }
    }
}

/// Why a row stopped.
public enum FinishReason: String, Codable, Sendable, Hashable {
    /// A stop token, a stop sequence or the caller's stop callback; `maxNewTokens` reached; context full.
    case stopToken, stopSequence, stopCallback, maxTokens, contextFull
}

/// Generated continuations, one per prompt.
public struct SampleResult: Sendable, Hashable {
    /// Generated ids per row (prompt excluded, stop token/sequence included).
    public var tokens: [[Int32]]
    /// log p(token) of each generated id under the model (temperature 1, before top-k/top-p), per row.
    public var logProbs: [[Float]]
    /// Why each row stopped, one per row.
    public var finishReasons: [FinishReason]
}
