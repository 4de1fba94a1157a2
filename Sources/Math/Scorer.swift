import Foundation
import LemaCore

/// The score of one item.
public struct ScoreItem: Codable, Sendable, Hashable {
    /// 1-based line of the gold file (and of the prediction file: they are read in lockstep).
    public var line: Int
    /// The gold answer, extracted from the gold completion.
    public var gold: Double
    /// `nil` when the first sample states no answer.
    public var predicted: Double?
    /// Whether the first sample's answer equals `gold` (see `AnswerComparison.matches`).
    public var correct: Bool

    /// `{"correct":…,"gold":…,"line":…,"predicted":…}` with sorted keys; `predicted` is `null` for no answer.
    public var jsonLine: String {
        func number(_ v: Double) -> JSONValue {
            v.rounded() == v && abs(v) < 9e15 ? .int(Int64(v)) : .double(v)
        }
        let object: [String: JSONValue] = [
            "line": .int(Int64(line)), "gold": number(gold),
            "predicted": predicted.map(number) ?? .null, "correct": .bool(correct),
        ]
        return JSONValue.object(object).canonicalText
    }
}

/// Accuracy of a set of predictions with its Wilson 95% interval.
public struct ScoreReport: Codable, Sendable, Hashable {
    /// One item per gold line, in file order.
    public var items: [ScoreItem]
    /// Items scored.
    public var total: Int { items.count }
    /// Items whose prediction matched the gold answer.
    public var correct: Int { items.filter(\.correct).count }
    /// Items whose first sample states no answer (they count as wrong).
    public var noAnswer: Int { items.filter { $0.predicted == nil }.count }
    /// `correct / total` in [0, 1]; 0 when there are no items.
    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }
    /// Wilson 95% interval around `accuracy` ([0, 1] when there are no items).
    public var interval: WilsonInterval { WilsonInterval(successes: correct, total: total) }

    /// One line per item (see `ScoreItem.jsonLine`), each ending in a newline.
    public var itemsJSONL: String { items.map { $0.jsonLine + "\n" }.joined() }

    /// `accuracy 41.20% (95% CI 38.57–43.88%), 543/1319 correct, 12 without an answer`.
    public var summary: String {
        func pct(_ x: Double) -> String { String(format: "%.2f", x * 100) }
        return "accuracy \(pct(accuracy))% (95% CI \(pct(interval.lower))–\(pct(interval.upper))%), "
            + "\(correct)/\(total) correct, \(noAnswer) without an answer"
    }
}

/// Scores model outputs the way the LeMa evaluation does: gold lines `{"prompt", "completion"}` (the gold answer is
/// extracted from the completion), prediction lines `{"samples": [text, …]}` in the same order; the first sample is
/// scored with `AnswerExtraction` and compared as floats. Pure: it reads only the texts (or files) it is handed.
public struct Scorer: Sendable {
    /// Compare after rounding both numbers to two decimals (the reference's option).
    public var roundToTwoDecimals: Bool

    /// A scorer comparing exactly, or after rounding both answers to two decimals.
    public init(roundToTwoDecimals: Bool = false) { self.roundToTwoDecimals = roundToTwoDecimals }

    /// Scores two files. Errors name the file and line (`DataFileError`).
    public func score(goldFile: URL, predictionFile: URL) throws(DataFileError) -> ScoreReport {
        try score(gold: try Self.read(goldFile), goldName: goldFile.path,
                  predictions: try Self.read(predictionFile), predictionName: predictionFile.path)
    }

    /// Scores JSON Lines texts; the names appear in errors.
    public func score(gold: String, goldName: String, predictions: String,
                      predictionName: String) throws(DataFileError) -> ScoreReport {
        let goldLines = JSONLines.split(Data(gold.utf8), file: URL(fileURLWithPath: goldName), blankLines: .keep)
        let predLines = JSONLines.split(Data(predictions.utf8), file: URL(fileURLWithPath: predictionName), blankLines: .keep)
        var items: [ScoreItem] = []
        items.reserveCapacity(goldLines.count)
        for (g, p) in zip(goldLines, predLines) {
            let goldAnswer = try Self.goldAnswer(g.bytes).mapError { DataFileError(file: goldName, line: g.lineNumber, message: $0.message) }.get()
            let sample = try Self.firstSample(p.bytes).mapError { DataFileError(file: predictionName, line: p.lineNumber, message: $0.message) }.get()
            let predicted = sample.map(AnswerExtraction.extract) ?? .none
            items.append(ScoreItem(line: g.lineNumber, gold: goldAnswer, predicted: predicted.value,
                                   correct: AnswerComparison.matches(predicted, gold: goldAnswer,
                                                                     roundToTwoDecimals: roundToTwoDecimals)))
        }
        // Malformed lines first (a blank or broken line is the likely cause of a count mismatch), then the counts.
        guard goldLines.count == predLines.count else {
            func lines(_ n: Int) -> String { n == 1 ? "1 line" : "\(n) lines" }
            let shorter = goldLines.count < predLines.count
            let missingAt = shorter ? predLines[goldLines.count].lineNumber : goldLines[predLines.count].lineNumber
            throw DataFileError(
                file: shorter ? predictionName : goldName, line: missingAt,
                message: shorter
                    ? "prediction with no gold line: \(goldName) has \(lines(goldLines.count)) but \(predictionName) has \(lines(predLines.count))"
                    : "gold line with no prediction: \(goldName) has \(lines(goldLines.count)) but \(predictionName) has \(lines(predLines.count))")
        }
        return ScoreReport(items: items)
    }

    static func goldAnswer(_ line: Data) -> Result<Double, LineProblem> {
        Result {
            let object = try JSONLines.object(line).get()
            let completion = try JSONLines.string(object, "completion").get()
            guard let v = AnswerExtraction.extract(completion).value else {
                throw LineProblem("the gold completion states no answer (expected 'The answer is N.')")
            }
            return v
        }.mapError { $0 as? LineProblem ?? LineProblem("\($0)") }
    }

    /// The first sample's text; `nil` for an empty list (scored as no answer).
    static func firstSample(_ line: Data) -> Result<String?, LineProblem> {
        Result {
            let object = try JSONLines.object(line).get()
            guard let samples = object["samples"] else { throw LineProblem("missing field \"samples\"") }
            guard let list = samples.arrayValue else {
                throw LineProblem("field \"samples\" must be an array of strings, found \(JSONLines.kindName(samples))")
            }
            guard let first = list.first else { return nil }
            guard let text = first.stringValue else {
                throw LineProblem("the first sample must be a string, found \(JSONLines.kindName(first))")
            }
            return text
        }.mapError { $0 as? LineProblem ?? LineProblem("\($0)") }
    }

    static func read(_ url: URL) throws(DataFileError) -> String {
        do {
            return try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw DataFileError(file: url.path, line: 0, message: "cannot read the file as UTF-8 text")
        }
    }
}
