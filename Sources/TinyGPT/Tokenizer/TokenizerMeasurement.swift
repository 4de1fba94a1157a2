/// How a tokenizer cuts a set of training examples: the numbers that decide how fast a model trains on them.
/// Fewer tokens per example means fewer positions to compute per example (and longer examples fit a context),
/// while a larger vocabulary makes the output layer dearer and each token rarer. Which one *learns* better per
/// second can only be settled by training; these numbers are the cheap part of that comparison.
public struct TokenizerStatistics: Sendable, Equatable, Codable {
    /// Which tokenizer was measured.
    public let kind: TokenizerKind
    /// Its vocabulary size, specials included.
    public let vocabularySize: Int
    /// Number of examples measured.
    public let examples: Int
    /// Unicode scalars over all examples.
    public let scalars: Int
    /// Tokens over all examples, including one bos and one eos per example (the batcher adds both).
    public let tokens: Int
    /// Tokens that were `unk` (characters missing from the tokenizer's training texts).
    public let unknownTokens: Int
    /// `tokens / examples`, bos and eos included.
    public let meanTokensPerExample: Double
    /// 95th percentile (nearest rank) of tokens per example: the context length that fits 95% of examples.
    public let p95TokensPerExample: Int
    /// Tokens of the longest example, bos and eos included.
    public let maxTokensPerExample: Int

    /// Compression: scalars per token, specials excluded (1.0 for a char tokenizer).
    public var scalarsPerToken: Double {
        let textTokens = tokens - 2 * examples
        return textTokens > 0 ? Double(scalars) / Double(textTokens) : 0
    }

    /// Estimated training FLOPs (forward + backward) per example for a GPT with the given shape, using the usual
    /// approximation per token: 6·(12·L·d²) for the blocks, 6·d·V for the output layer, 6·L·T·d for attention
    /// scores over a context of T. Multiply by examples per second to compare tokenizers at equal compute.
    public func estimatedTrainingFLOPsPerExample(layers: Int, modelWidth: Int, contextLength: Int) -> Double {
        let l = Double(layers), d = Double(modelWidth), v = Double(vocabularySize), t = Double(contextLength)
        let perToken = 6 * (12 * l * d * d) + 6 * d * v + 6 * l * t * d
        return perToken * meanTokensPerExample
    }

    /// One human-readable line.
    public var summary: String {
        func fixed(_ x: Double) -> String { String(Double(Int((x * 100).rounded())) / 100) }
        return "\(kind.rawValue): vocab \(vocabularySize), \(fixed(meanTokensPerExample)) tokens/example "
            + "(p95 \(p95TokensPerExample), max \(maxTokensPerExample)), \(fixed(scalarsPerToken)) chars/token, "
            + "\(unknownTokens) unk"
    }
}

/// Measures tokenizers on example texts.
public enum TokenizerMeasurement {
    /// Statistics of `tokenizer` over `examples`, each the full text of one training example (prompt + target).
    public static func measure(_ tokenizer: any Tokenizer, examples: [String]) -> TokenizerStatistics {
        var lengths: [Int] = []
        lengths.reserveCapacity(examples.count)
        var scalars = 0
        var unknown = 0
        for text in examples {
            let ids = tokenizer.encode(text)
            lengths.append(ids.count + 2)
            scalars += text.unicodeScalars.count
            for id in ids where id == SpecialTokens.unk { unknown += 1 }
        }
        let total = lengths.reduce(0, +)
        let sorted = lengths.sorted()
        let p95 = sorted.isEmpty ? 0 : sorted[max(0, Int((0.95 * Double(sorted.count)).rounded(.up)) - 1)]
        return TokenizerStatistics(
            kind: tokenizer.kind, vocabularySize: tokenizer.vocabularySize, examples: examples.count,
            scalars: scalars, tokens: total, unknownTokens: unknown,
            meanTokensPerExample: examples.isEmpty ? 0 : Double(total) / Double(examples.count),
            p95TokensPerExample: p95, maxTokensPerExample: sorted.last ?? 0)
    }

    /// Builds a char tokenizer and a BPE tokenizer (with `bpeMerges` merges) from `trainingTexts` and measures
    /// both on `examples` (use held-out examples to see how well each generalises).
    public static func compare(trainingTexts: [String], examples: [String],
                               bpeMerges: Int) -> (char: TokenizerStatistics, bpe: TokenizerStatistics) {
        let char = CharTokenizer(trainingTexts: trainingTexts)
        let bpe = BPETokenizer.train(texts: trainingTexts, maxMerges: bpeMerges)
        return (measure(char, examples: examples), measure(bpe, examples: examples))
    }
}
