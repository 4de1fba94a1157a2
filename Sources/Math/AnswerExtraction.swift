import Foundation

/// The answer found in a completion: a number, or no answer at all (distinct from 0, which is a real answer).
public enum ExtractedAnswer: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The answer's value.
    case number(Double)
    /// The completion states no answer.
    case none

    /// The number, or `nil` for `.none`.
    public var value: Double? { if case .number(let v) = self { v } else { nil } }

    /// The number as `NumberText` writes it (at most two decimals: `24`, `2.33`), or `(no answer)`.
    public var description: String {
        switch self {
        case .number(let v): NumberText.render(v)
        case .none: "(no answer)"
        }
    }
}

/// Answer extraction following the GSM8K rules of the LeMa evaluation:
/// 1. cut the completion at `\n\nQuestion: ` or `\n\nQ: ` (a model that keeps writing a new question and answers it);
/// 2. take the text after the last `The answer is` (case-insensitive; `The answer is:` accepted) up to the end of
///    its line — no answer without the marker;
/// 3. keep the value after the last `=` (`The answer is 3 * 4 = 12.`);
/// 4. remove currency symbols, thousands commas, words and units, a trailing sentence period; `%` is allowed only at
///    the end and dropped;
/// 5. evaluate what remains with `SafeArithmetic` (`3/4`, `12*3`); when that fails, take the first number written.
public enum AnswerExtraction {
    /// The marker the reference looks for.
    public static let marker = "the answer is"

    /// Extracts the answer of `text` (see the type's rules).
    public static func extract(_ text: String) -> ExtractedAnswer {
        // A model that goes on to write a new question (and answers it) is cut off before it.
        var body = Substring(text)
        for stop in ["\n\nQuestion: ", "\n\nQ: "] {
            if let cut = body.range(of: stop) { body = body[..<cut.lowerBound] }
        }
        guard let range = body.range(of: marker, options: [.caseInsensitive, .backwards]) else { return .none }
        var tail = String(body[range.upperBound...])
        tail = tail.trimmingCharacters(in: .whitespaces)
        if tail.hasPrefix(":") { tail.removeFirst() }
        tail = tail.trimmingCharacters(in: .whitespacesAndNewlines)
        if let newline = tail.firstIndex(where: \.isNewline) { tail = String(tail[..<newline]) }
        return value(of: tail)
    }

    /// The numeric value of an answer phrase such as `$1,234.50`, `12 apples`, `3/4 of a cup`, `x = 7`.
    public static func value(of phrase: String) -> ExtractedAnswer {
        var text = phrase
        if let eq = text.range(of: "=", options: .backwards) { text = String(text[eq.upperBound...]) }
        text = clean(text)
        if text.hasSuffix("%") { text.removeLast() }
        text = text.trimmingCharacters(in: .whitespaces)
        if text.contains("%") { return firstNumber(in: text) }
        if let v = SafeArithmetic.evaluate(text) { return .number(v) }
        return firstNumber(in: text)
    }

    /// Removes what is not arithmetic: currency, thousands separators, words; maps `×`/`÷` to `*`/`/`; drops a
    /// sentence-final period and trailing punctuation.
    static func clean(_ input: String) -> String {
        var out = ""
        let scalars = Array(input.unicodeScalars)
        for (i, s) in scalars.enumerated() {
            switch s {
            case "$", "€", "£", "¥", "₹", "¢": continue
            case ",":
                // A comma between digits is a thousands separator; elsewhere it ends a clause.
                let digitBefore = i > 0 && isDigit(scalars[i - 1])
                let digitAfter = i + 1 < scalars.count && isDigit(scalars[i + 1])
                if !(digitBefore && digitAfter) { out.unicodeScalars.append(" ") }
            case "x" where isBetweenDigits(scalars, i), "X" where isBetweenDigits(scalars, i): out += "*"
            case "×": out += "*"
            case "÷": out += "/"
            case "−", "–": out += "-"
            default:
                if s.properties.isAlphabetic { out.unicodeScalars.append(" ") } else { out.unicodeScalars.append(s) }
            }
        }
        var text = out.trimmingCharacters(in: .whitespaces)
        while let last = text.last, ".!?;:".contains(last) || last == " " { text.removeLast() }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// The first number written in `text` (sign, digits, optional decimal part, optional `/denominator`).
    static func firstNumber(in text: String) -> ExtractedAnswer {
        let chars = Array(text.unicodeScalars)
        var i = 0
        while i < chars.count {
            if isDigit(chars[i]) || (chars[i] == "." && i + 1 < chars.count && isDigit(chars[i + 1])) {
                var start = i
                if start > 0, chars[start - 1] == "-" { start -= 1 }
                var end = i
                while end < chars.count, isDigit(chars[end]) || chars[end] == "." { end += 1 }
                // a fraction written right after: 3/4
                if end + 1 < chars.count, chars[end] == "/", isDigit(chars[end + 1]) {
                    var denEnd = end + 1
                    while denEnd < chars.count, isDigit(chars[denEnd]) || chars[denEnd] == "." { denEnd += 1 }
                    if let v = SafeArithmetic.evaluate(string(chars[start..<denEnd])) { return .number(v) }
                }
                var literal = string(chars[start..<end])
                while literal.hasSuffix(".") { literal.removeLast() }
                if let v = Double(literal) { return .number(v) }
                i = end
            } else {
                i += 1
            }
        }
        return .none
    }

    private static func isDigit(_ s: Unicode.Scalar) -> Bool { s >= "0" && s <= "9" }

    /// `12 x 3`, `12x3`: an x with a digit on both sides (spaces aside) means times.
    private static func isBetweenDigits(_ scalars: [Unicode.Scalar], _ i: Int) -> Bool {
        var before = i - 1
        while before >= 0, scalars[before] == " " { before -= 1 }
        var after = i + 1
        while after < scalars.count, scalars[after] == " " || scalars[after] == "$" { after += 1 }
        return before >= 0 && after < scalars.count && isDigit(scalars[before]) && isDigit(scalars[after])
    }

    private static func string(_ slice: ArraySlice<Unicode.Scalar>) -> String {
        var s = ""
        s.unicodeScalars.append(contentsOf: slice)
        return s
    }
}

/// Answer comparison as the reference evaluation does it: the two floats compared for equality, no tolerance —
/// a model that answers 1,449,999 for 1,450,000 is wrong, and so is `0.1 + 0.2` (0.30000000000000004) for 0.3.
/// Optionally both are rounded to two decimals first.
public enum AnswerComparison {
    /// Whether `predicted` counts as `gold`. `.none` never matches.
    public static func matches(_ predicted: ExtractedAnswer, gold: Double, roundToTwoDecimals: Bool = false) -> Bool {
        guard let p = predicted.value else { return false }
        return matches(p, gold: gold, roundToTwoDecimals: roundToTwoDecimals)
    }

    /// Whether two numbers count as the same answer.
    public static func matches(_ predicted: Double, gold: Double, roundToTwoDecimals: Bool = false) -> Bool {
        if roundToTwoDecimals { return (predicted * 100).rounded() == (gold * 100).rounded() }
        return predicted == gold
    }
}
