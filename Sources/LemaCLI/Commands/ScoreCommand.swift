import ArgumentParser
import Foundation
import LemaCore
import Math

/// `lema score --gold FILE --pred FILE [--items FILE] [--round]`: accuracy of model outputs as the LeMa evaluation
/// computes it. All scoring logic lives in `Math.Scorer`; this command parses flags, prints and writes.
public struct ScoreCommand: ParsableCommand {
    /// Name and help text of `lema score`, including the expected line formats.
    public static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score model outputs against gold answers (GSM8K rules, first sample, pass@1).",
        discussion: """
            Gold lines are {"prompt": ..., "completion": "... The answer is N."}, as in the LeMa evaluation data. \
            Prediction lines are {"samples": [text, ...]} in the same order; the first sample is scored.

            Prints accuracy with its Wilson 95% interval and the number of outputs without an answer. \
            Mismatched line counts and malformed lines are errors naming file and line.
            """)

    /// `--gold`: path of the gold JSONL file.
    @Option(name: .long, help: ArgumentHelp("Gold JSONL file.", valueName: "file"))
    public var gold: String

    /// `--pred`: path of the predictions JSONL file, one line per gold line.
    @Option(name: .long, help: ArgumentHelp("Predictions JSONL file, one {\"samples\": [...]} per gold line.", valueName: "file"))
    public var pred: String

    /// `--items`: where to write per-item results as JSONL; nil writes none.
    @Option(name: .long, help: ArgumentHelp("Write per-item results here as JSONL (line, gold, predicted, correct).", valueName: "file"))
    public var items: String?

    /// `--round`: compare answers rounded to two decimals.
    @Flag(name: .long, help: "Round both answers to two decimals before comparing.")
    public var round = false

    /// Required by ArgumentParser; arguments are filled in by parsing.
    public init() {}

    /// Scores the predictions and prints the summary; throws the scorer's errors (unreadable file, malformed line,
    /// mismatched line counts) and file-write errors for `--items`.
    public func run() throws {
        let scorer = Scorer(roundToTwoDecimals: round)
        let report = try scorer.score(goldFile: URL(fileURLWithPath: gold), predictionFile: URL(fileURLWithPath: pred))
        print(report.summary)
        if let items {
            try AtomicFile.write(Data(report.itemsJSONL.utf8), to: URL(fileURLWithPath: items))
            print("per-item results: \(items)")
        }
    }
}
