import Foundation
import LemaCore
import StageAPI

/// A titled part of the report beyond the results table: a paragraph, an optional table and an optional figure,
/// rendered the same way into report.md and index.html.
public struct ReportSection: Sendable, Hashable {
    /// The heading (`## …` in Markdown, `<h2>` in HTML).
    public var heading: String
    /// Text before the table (Markdown emphasis `**…**` is left as is in HTML).
    public var paragraph: String
    /// Table header and rows (no table when `rows` is empty); columns from `firstNumeric` on are right-aligned.
    public var header: [String] = []
    public var rows: [[String]] = []
    public var firstNumeric: Int = 1
    /// A figure after the table: its file in the report directory and its SVG text (inlined in HTML).
    public var figureFile: String?
    public var figureSVG: String?
    /// Placed after the training-loss figure (training facts) rather than after the accuracy figure (results).
    public var afterLoss = false

    /// A section with the given fields.
    public init(heading: String, paragraph: String, header: [String] = [], rows: [[String]] = [], firstNumeric: Int = 1,
                figureFile: String? = nil, figureSVG: String? = nil, afterLoss: Bool = false) {
        self.heading = heading
        self.paragraph = paragraph
        self.header = header
        self.rows = rows
        self.firstNumeric = firstNumeric
        self.figureFile = figureFile
        self.figureSVG = figureSVG
        self.afterLoss = afterLoss
    }

    /// The Markdown text, ending in a blank line.
    var markdown: String {
        var out = "## \(heading)\n\n\(paragraph)\n\n"
        if !rows.isEmpty { out += ReportMarkdown.table(header: header, rows: rows, firstNumeric: firstNumeric) + "\n\n" }
        if let figureFile { out += "![\(heading)](\(figureFile))\n\n" }
        return out
    }

    /// The HTML text.
    var html: String {
        var out = "<h2>\(SVGFormat.escape(heading))</h2>\n<p>\(SVGFormat.escape(paragraph))</p>\n"
        if !rows.isEmpty { out += ReportHTML.table(header: header, rows: rows, firstNumeric: firstNumeric) }
        if let figureSVG { out += "<figure>\n\(figureSVG)</figure>\n" }
        return out
    }
}

/// The training facts of the report: how many examples each gathered train node's context cut, per source.
public enum ReportTruncation {
    /// Column headers of the truncation table.
    public static let header = ["training run", "source", "examples", "cut", "tokens lost", "most from one",
                                "longest (tokens)", "row (tokens)"]

    /// (name, source, counts, context) for every train node that reports truncation, sources sorted.
    static func entries(_ training: [InputArtifact]) -> [(name: String, source: String, counts: TruncationTally.Counts, context: Int)] {
        zip(training, LossCurve.trainingNames(training)).flatMap { input, name in
            let context = Int(input.summary["context"]?.intValue ?? 0)
            let tally = TruncationTally(summary: input.summary["truncation"], contextLength: context)
            return tally.bySource.keys.sorted().compactMap { source in
                tally.bySource[source].map { (name, source, $0, context) }
            }
        }
    }

    /// The section, or nil when no gathered train node reports truncation (runs made before it was counted).
    public static func section(_ training: [InputArtifact]) -> ReportSection? {
        let entries = entries(training)
        guard !entries.isEmpty else { return nil }
        let cut = entries.reduce(0) { $0 + $1.counts.truncated }
        let paragraph = cut == 0
            ? "No training example was longer than its model's context: nothing was cut."
            : "\(cut) training examples were longer than their model's context (a row holds context + 1 tokens with "
                + "the begin and end tokens); each lost its oldest prompt tokens. Counted per data source."
        let rows = entries.map { e in
            [e.name, e.source, String(e.counts.examples), String(e.counts.truncated), String(e.counts.tokensCut),
             String(e.counts.maxTokensCut), String(e.counts.longest), String(e.context + 1)]
        }
        return ReportSection(heading: "Truncation", paragraph: paragraph, header: header, rows: rows, firstNumeric: 2,
                             afterLoss: true)
    }

    /// `[{run, source, examples, truncated, tokens_cut, max_tokens_cut, longest, context}]` for results.json.
    public static func json(_ training: [InputArtifact]) -> JSONValue {
        .array(entries(training).map { e in
            .object(["run": .string(e.name), "source": .string(e.source), "examples": .int(Int64(e.counts.examples)),
                     "truncated": .int(Int64(e.counts.truncated)), "tokens_cut": .int(Int64(e.counts.tokensCut)),
                     "max_tokens_cut": .int(Int64(e.counts.maxTokensCut)), "longest": .int(Int64(e.counts.longest)),
                     "context": .int(Int64(e.context))])
        })
    }
}
