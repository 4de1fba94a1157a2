import Foundation

/// Why a correction text could not be read.
public enum CorrectionParseError: Error, CustomStringConvertible, Sendable, Hashable {
    /// A required label (`Explanation:`, …) does not occur.
    case missingLabel(String)
    /// `Incorrect Step:` is followed by no readable number.
    case badStepNumber(found: String)
    /// `Explanation:` is followed by nothing.
    case emptyExplanation
    /// No `Step k:` line after `Correct Solution:`.
    case noSteps
    /// The rewritten steps do not start at the incorrect step.
    case stepsDoNotStart(at: Int, found: Int)

    /// What is wrong with the text, naming the label or step, for logs and skip reasons.
    public var description: String {
        switch self {
        case .missingLabel(let label): "no '\(label)' label found"
        case .badStepNumber(let found): "'\(Correction.stepLabel)' is not followed by a step number (found '\(found)')"
        case .emptyExplanation: "the explanation is empty"
        case .noSteps: "the corrected solution has no 'Step k:' lines"
        case .stepsDoNotStart(let k, let found):
            "the corrected solution starts at Step \(found) but the incorrect step is Step \(k)"
        }
    }
}

/// What a text says, component by component; `nil` where a component is absent.
public struct CorrectionParts: Sendable, Hashable {
    /// The number after `Incorrect Step:`.
    public var incorrectStep: Int?
    /// The text after `Explanation:`, trimmed.
    public var explanation: String?
    /// Steps written after `Correct Solution:` (all of them, `...` lines removed).
    public var solutionSteps: [Step]?
}

/// Reads corrections written by an LLM (or by `Correction.rendered`) in the LeMa format. Tolerates small deviations:
/// any letter case in labels, extra spaces, `Step 2` or `2` without the period, a missing `{` or `}`, steps run
/// together on one line, the earlier steps repeated instead of `...`, a trailing chat remark after the `}`.
public enum CorrectionParser {
    /// A full correction; every component must be present.
    public static func parse(_ text: String) throws(CorrectionParseError) -> Correction {
        let parts = components(of: text)
        guard let k = parts.incorrectStep else {
            if text.range(of: "incorrect step", options: .caseInsensitive) != nil {
                throw .badStepNumber(found: firstLine(after: "incorrect step", in: text))
            }
            throw .missingLabel(Correction.stepLabel)
        }
        guard let explanation = parts.explanation else { throw .missingLabel(Correction.explanationLabel) }
        guard !explanation.isEmpty else { throw .emptyExplanation }
        guard let written = parts.solutionSteps else { throw .missingLabel(Correction.solutionLabel) }
        guard !written.isEmpty else { throw .noSteps }
        // A fully repeated solution: keep the steps from the incorrect one on.
        let fromK = written.drop(while: { $0.number < k })
        guard let first = fromK.first else { throw .noSteps }
        guard first.number == k else { throw .stepsDoNotStart(at: k, found: first.number) }
        return Correction(incorrectStep: k, explanation: explanation, correctedSteps: Array(fromK))
    }

    /// Whatever components the text has (for records that drop some).
    public static func components(of text: String) -> CorrectionParts {
        var parts = CorrectionParts()
        let stepRange = label("incorrect step", in: text, from: text.startIndex)
        let explanationRange = label("explanation", in: text, from: stepRange?.upperBound ?? text.startIndex)
        let searchSolutionFrom = explanationRange?.upperBound ?? stepRange?.upperBound ?? text.startIndex
        let solutionRange = label("correct solution", in: text, from: searchSolutionFrom)
        if let stepRange {
            parts.incorrectStep = stepNumber(in: firstLine(from: stepRange.upperBound, in: text))
        }
        if let explanationRange {
            let end = solutionRange?.lowerBound ?? text.endIndex
            parts.explanation = afterColon(text[explanationRange.upperBound..<end])
        }
        if let solutionRange {
            parts.solutionSteps = steps(inBody: text[solutionRange.upperBound...])
        }
        return parts
    }

    /// A label's range, preferring one at the start of a line (so "an incorrect solution" inside an explanation is
    /// not taken for the `Correct Solution:` label).
    static func label(_ name: String, in text: String, from start: String.Index) -> Range<String.Index>? {
        let window = start..<text.endIndex
        if let r = text.range(of: "\n" + name, options: .caseInsensitive, range: window) {
            return text.index(after: r.lowerBound)..<r.upperBound
        }
        if let r = text.range(of: name, options: [.caseInsensitive, .anchored], range: window) { return r }
        return text.range(of: name, options: .caseInsensitive, range: window)
    }

    /// `: Step 2.` / `:Step 2` / ` 2.` / `: step 2 is wrong` → 2.
    static func stepNumber(in line: Substring) -> Int? {
        var rest = line.drop(while: { $0 == ":" || $0 == " " || $0 == "\t" })
        if rest.prefix(4).lowercased() == "step" { rest = rest.dropFirst(4).drop(while: { $0 == " " }) }
        let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty, digits.count < 6 else { return nil }
        return Int(digits)
    }

    /// The text after a label: leading `:` and spaces dropped, trailing whitespace trimmed.
    static func afterColon(_ text: Substring) -> String {
        let rest = text.drop(while: { $0 == " " || $0 == "\t" }).drop(while: { $0 == ":" })
        return rest.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Steps of a `{ … }` body: braces and `...` lines removed, steps run together on one line split apart.
    static func steps(inBody body: Substring) -> [Step] {
        var text = String(body.drop(while: { $0 == " " || $0 == "\t" || $0 == ":" }))
        text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("{") { text.removeFirst() }
        if let close = text.lastIndex(of: "}") { text = String(text[..<close]) }
        let lines = TextLines.split(splitRunTogetherSteps(text)).map(TextLines.droppingCarriageReturn).compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed == Correction.elision || trimmed == "…" || trimmed == ".." { return nil }
            var kept = String(line)
            while kept.last == " " || kept.last == "\t" { kept.removeLast() }
            return kept
        }
        return Solution(parsing: lines.joined(separator: "\n")).steps
    }

    /// Puts a line break before every ` Step N:` that does not start a line.
    static func splitRunTogetherSteps(_ text: String) -> String {
        var out = ""
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == " ", let header = text[text.index(after: i)...].range(of: "Step "),
               header.lowerBound == text.index(after: i), !out.isEmpty, out.last != "\n",
               Solution.stepHeader(text[header.lowerBound...].prefix(while: { $0 != "\n" })) != nil {
                out.append("\n")
                i = text.index(after: i)
                continue
            }
            out.append(text[i])
            i = text.index(after: i)
        }
        return out
    }

    static func firstLine(after label: String, in text: String) -> String {
        guard let r = text.range(of: label, options: .caseInsensitive) else { return "" }
        return String(firstLine(from: r.upperBound, in: text).drop(while: { $0 == " " || $0 == ":" }))
            .trimmingCharacters(in: .whitespaces)
    }

    static func firstLine(from index: String.Index, in text: String) -> Substring {
        text[index...].prefix(while: { !$0.isNewline })
    }
}
