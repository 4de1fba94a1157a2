/// How a model turns a prompt into text — the decoding settings every backend shares: the in-process sampler
/// (TinyGPT's `TextCompleter`), `lema serve`, and an OpenAI-compatible endpoint (`EndpointCall`).
///
/// Numbers are kept as stage parameters and the HTTP API carry them (`Double`). Two boundaries convert: the request
/// body an endpoint receives (OpenAIWire), and TinyGPT's `SamplingOptions(_:)`, which rounds temperature and top-p
/// to `Float` once for the sampler's arithmetic.
public struct DecodingSettings: Sendable, Hashable {
    /// New tokens per row at most (the end token counts).
    public var maxTokens: Int
    /// Softmax temperature; 0 = greedy (argmax, lowest id on ties).
    public var temperature: Double
    /// Keep only the k most likely tokens (nil = all).
    public var topK: Int?
    /// Keep the smallest set of most likely tokens whose probability reaches p (nil = all).
    public var topP: Double?
    /// A row stops as soon as its text contains one of these strings; the text is cut before the first one.
    /// Empty strings are ignored.
    public var stop: [String]

    /// Settings as given, unvalidated; defaults are 128 tokens at temperature 1, no top-k/top-p cut, no stop strings.
    public init(maxTokens: Int = 128, temperature: Double = 1, topK: Int? = nil, topP: Double? = nil,
                stop: [String] = []) {
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.stop = stop
    }

    /// Greedy decoding.
    public static func greedy(maxTokens: Int = 128, stop: [String] = []) -> DecodingSettings {
        DecodingSettings(maxTokens: maxTokens, temperature: 0, stop: stop)
    }
}
