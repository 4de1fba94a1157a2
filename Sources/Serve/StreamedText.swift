import TinyGPT

/// One streamed choice's text while its tokens arrive: hands out only text no later token can change, so that the
/// pieces sent add up to exactly the choice's non-streamed text.
///
/// Held back (until more tokens or the end decide): a trailing U+FFFD (the bytes of a character split across tokens
/// decode to it until the character is complete), and text that is, or could still become, the start of a stop
/// string — the answer is cut before the first stop string, so none of it may leak. Works on Unicode scalars.
struct StreamedText {
    private let tokenizer: any Tokenizer
    private let stops: [[Unicode.Scalar]]
    private var tokens: [Int32] = []
    private var logprobs: [Float] = []
    /// Scalars of the text handed out.
    private(set) var sentScalars = 0
    /// Tokens whose log-probabilities were handed out.
    private var sentTokens = 0

    init(tokenizer: any Tokenizer, stops: [String]) {
        self.tokenizer = tokenizer
        self.stops = stops.filter { !$0.isEmpty }.map { Array($0.unicodeScalars) }
    }

    /// Adds a generated token; returns the text that became safe to send (often one token's text, sometimes "").
    mutating func append(_ token: Int32, logprob: Float) -> String {
        tokens.append(token)
        logprobs.append(logprob)
        let scalars = Array(tokenizer.decode(tokens).unicodeScalars)
        let end = Self.sendableEnd(of: scalars, sent: sentScalars, stops: stops)
        guard end > sentScalars else { return "" }
        defer { sentScalars = end }
        return Self.string(scalars[sentScalars..<end])
    }

    /// The rest of the choice's final text (what was not sent yet).
    mutating func finish(_ completion: TextCompletion) -> String {
        let scalars = Array(completion.text.unicodeScalars)
        defer { sentScalars = scalars.count }
        return sentScalars < scalars.count ? Self.string(scalars[sentScalars...]) : ""
    }

    /// The tokens generated since the last call (their pieces and log p): the `logprobs` of the next chunk.
    mutating func takeLogprobs() -> (tokens: [String], logprobs: [Float]) {
        defer { sentTokens = tokens.count }
        return (tokens[sentTokens...].map { tokenizer.piece(for: $0) }, Array(logprobs[sentTokens...]))
    }

    /// The remaining tokens of the finished choice since the last `takeLogprobs`.
    mutating func takeLogprobs(of completion: TextCompletion) -> (tokens: [String], logprobs: [Float]) {
        let from = min(sentTokens, completion.tokens.count)
        defer { sentTokens = completion.tokens.count }
        return (Array(completion.tokens[from...]), Array(completion.tokenLogprobs[from...]))
    }

    /// How many scalars of `scalars` may be sent, given that the first `sent` were: stop before a trailing U+FFFD
    /// and before the first position where a stop string starts or could start.
    static func sendableEnd(of scalars: [Unicode.Scalar], sent: Int, stops: [[Unicode.Scalar]]) -> Int {
        var end = scalars.count
        while end > sent, scalars[end - 1] == "\u{FFFD}" { end -= 1 }
        guard end > sent else { return sent }
        // Earlier positions were checked when their text was sent: a stop string starting there would have held it.
        for start in sent..<end {
            for stop in stops {
                let length = min(stop.count, end - start)
                if scalars[start..<(start + length)].elementsEqual(stop[0..<length]) { return start }
            }
        }
        return end
    }

    private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars)
        return String(text)
    }
}
