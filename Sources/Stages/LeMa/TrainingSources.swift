import LemaCore
import Math
import TinyGPT

/// A training record and where it came from: the `source` a `mix` stage wrote (`cot`, `correction`,
/// `corrected-as-cot`, `cot-extra`), `cot` for a problem read from a dataset split, `prompt-target` for a
/// prompt/target record without a source. Sources let the train stage count truncation and loss per kind of data.
public struct SourcedRecord: Sendable, Hashable {
    public var record: TrainingRecord
    public var source: String

    public init(_ record: TrainingRecord, source: String) {
        self.record = record
        self.source = source
    }

    /// The label of prompt/target records that do not say where they came from.
    public static let unlabelled = "prompt-target"
}

/// How many training examples of each source the context cuts, and by how many tokens.
///
/// An example is the sequence `[bos] + prompt + target + [eos]`; a row holds `context + 1` tokens, so an example
/// longer than that loses `length − (context + 1)` tokens (the oldest prompt tokens first, see `Batcher`). The
/// count is a property of the data, the tokenizer and the context, not of the batch order, so it is exact for the
/// whole run, whatever the number of steps.
public struct TruncationTally: Sendable, Hashable {
    /// The counts of one source.
    public struct Counts: Sendable, Hashable {
        /// Examples of the source.
        public var examples = 0
        /// Of those, how many are longer than the context.
        public var truncated = 0
        /// Tokens lost over all truncated examples.
        public var tokensCut = 0
        /// The most tokens one example lost.
        public var maxTokensCut = 0
        /// The longest example, in tokens (with `bos` and `eos`).
        public var longest = 0
    }

    /// Source → counts.
    public var bySource: [String: Counts]
    /// The context length the counts are for.
    public var contextLength: Int

    /// Counts `examples` (tokenized) against a context of `contextLength` tokens; `sources[i]` labels `examples[i]`.
    public init(sequenceLengths: [Int], sources: [String], contextLength: Int) {
        self.contextLength = contextLength
        var counts: [String: Counts] = [:]
        for (length, source) in zip(sequenceLengths, sources) {
            let cut = max(0, length - (contextLength + 1))
            var c = counts[source, default: Counts()]
            c.examples += 1
            c.longest = max(c.longest, length)
            if cut > 0 {
                c.truncated += 1
                c.tokensCut += cut
                c.maxTokensCut = max(c.maxTokensCut, cut)
            }
            counts[source] = c
        }
        bySource = counts
    }

    /// Truncated examples over all sources.
    public var truncated: Int { bySource.values.reduce(0) { $0 + $1.truncated } }

    /// `{source: {examples, truncated, tokens_cut, max_tokens_cut, longest}}` for the train stage's summary.
    public var summaryValue: JSONValue {
        .object(bySource.mapValues { c in
            .object(["examples": .int(Int64(c.examples)), "truncated": .int(Int64(c.truncated)),
                     "tokens_cut": .int(Int64(c.tokensCut)), "max_tokens_cut": .int(Int64(c.maxTokensCut)),
                     "longest": .int(Int64(c.longest))])
        })
    }

    /// Reads `summaryValue` back (sources whose entry is not an object are skipped).
    public init(summary: JSONValue?, contextLength: Int) {
        self.contextLength = contextLength
        var counts: [String: Counts] = [:]
        for (source, value) in summary?.objectValue ?? [:] {
            guard value.objectValue != nil else { continue }
            func int(_ key: String) -> Int { Int(value[key]?.intValue ?? 0) }
            counts[source] = Counts(examples: int("examples"), truncated: int("truncated"), tokensCut: int("tokens_cut"),
                                    maxTokensCut: int("max_tokens_cut"), longest: int("longest"))
        }
        bySource = counts
    }

    /// One sentence per source that loses tokens, e.g. "correction: 412 of 600 examples (69%) cut, 9,870 tokens
    /// lost (at most 61 from one; the longest is 222 tokens, the context holds 161)"; empty when nothing is cut.
    public var sentences: [String] {
        bySource.keys.sorted().compactMap { source in
            guard let c = bySource[source], c.truncated > 0 else { return nil }
            let share = Int((100 * Double(c.truncated) / Double(max(c.examples, 1))).rounded())
            return "\(source): \(c.truncated) of \(c.examples) examples (\(share)%) cut, \(c.tokensCut) tokens lost "
                + "(at most \(c.maxTokensCut) from one; the longest is \(c.longest) tokens, a row holds \(contextLength + 1))"
        }
    }
}

/// The mean loss of one batch's target tokens per source.
enum SourceLoss {
    /// Source → mean masked loss over the batch's target tokens of that source. `tokenLosses` and the batch's
    /// `lossMask`/`segments` are `(B,T)`; a position's example is found from its row and segment number (row order
    /// of `exampleIndices`), so this works for both layouts.
    static func split(tokenLosses: [Float], batch: BatchArrays, sources: [String]) -> [String: Double] {
        let (B, T) = (batch.batchSize, batch.length)
        guard tokenLosses.count == B * T else { return [:] }
        var sums: [String: (total: Double, weight: Double)] = [:]
        var firstExample = 0  // index into exampleIndices of the row's first example
        for b in 0..<B {
            var segmentsInRow = 0
            for t in 0..<T {
                let i = b * T + t
                let segment = Int(batch.segments[i])
                segmentsInRow = max(segmentsInRow, segment)
                guard batch.lossMask[i] > 0, segment > 0 else { continue }
                let k = firstExample + segment - 1
                guard k < batch.exampleIndices.count else { continue }
                let index = batch.exampleIndices[k]
                let source = index < sources.count ? sources[index] : SourcedRecord.unlabelled
                let mask = Double(batch.lossMask[i])
                sums[source, default: (0, 0)].total += mask * Double(tokenLosses[i])
                sums[source, default: (0, 0)].weight += mask
            }
            firstExample += segmentsInRow
        }
        return sums.compactMapValues { $0.weight > 0 ? $0.total / $0.weight : nil }
    }
}
