/// One numbered step of a solution: `Step 2: He has 4 * 6 = 24 pens.` has number 2 and text
/// `He has 4 * 6 = 24 pens.` (continuation lines of a step stay in its text, joined by `\n`).
public struct Step: Codable, Sendable, Hashable {
    /// The number written after `Step` (1-based; not necessarily the step's position).
    public var number: Int
    /// The step's text after `Step n: `, continuation lines joined by `\n`.
    public var text: String
    /// A step from its number and text, as written.
    public init(number: Int, text: String) {
        self.number = number
        self.text = text
    }

    /// `Step n: text`.
    public var rendered: String { "Step \(number): \(text)" }

    /// The arithmetic claims written in this step, in order.
    public var claims: [ArithmeticClaim] { ArithmeticClaim.extract(from: text) }
}

/// A solution split into numbered steps. `Solution(parsing:)` and `text` round-trip exactly on text in the
/// canonical shape (`Step i: …` lines joined by `\n`, one space after the colon); other text is kept in `preamble`
/// (before the first step) or inside the step it follows.
public struct Solution: Codable, Sendable, Hashable {
    /// Lines before the first `Step 1:` (e.g. a model's chatter), or `nil`.
    public var preamble: String?
    /// The steps in the order written.
    public var steps: [Step]

    /// A solution from parts; steps keep the numbers they are given (see `renumbered(from:)`).
    public init(preamble: String? = nil, steps: [Step]) {
        self.preamble = preamble
        self.steps = steps
    }

    /// Parses `Step k:` lines (also `Step k.`/`step k :`, leading spaces). Lines that do not start a step continue
    /// the current one.
    public init(parsing text: String) {
        var preambleLines: [Substring] = []
        var steps: [Step] = []
        for line in TextLines.split(text) {
            if let (number, rest) = Self.stepHeader(line) {
                steps.append(Step(number: number, text: String(rest)))
            } else if steps.isEmpty {
                preambleLines.append(line)
            } else {
                steps[steps.count - 1].text += "\n" + line
            }
        }
        self.steps = steps
        preamble = preambleLines.isEmpty ? nil : preambleLines.joined(separator: "\n")
    }

    /// The canonical text: preamble, then `Step n: text` lines, joined by `\n`.
    public var text: String {
        var lines = steps.map(\.rendered)
        if let preamble { lines.insert(preamble, at: 0) }
        return lines.joined(separator: "\n")
    }

    /// The final answer this solution states (see `AnswerExtraction`).
    public var finalAnswer: ExtractedAnswer { AnswerExtraction.extract(text) }

    /// The same steps numbered `start, start+1, …`.
    public func renumbered(from start: Int = 1) -> Solution {
        var copy = self
        for i in copy.steps.indices { copy.steps[i].number = start + i }
        return copy
    }

    /// Recognises `Step 12: rest` (case-insensitive `step`, `:` or `.` after the number, spaces allowed before the
    /// separator; exactly one following space is consumed so that the text round-trips).
    static func stepHeader(_ line: Substring) -> (Int, Substring)? {
        var rest = line.drop(while: { $0 == " " || $0 == "\t" })
        guard rest.prefix(4).lowercased() == "step" else { return nil }
        rest = rest.dropFirst(4)
        let afterWord = rest.drop(while: { $0 == " " })
        guard afterWord.startIndex != rest.startIndex else { return nil }
        let digits = afterWord.prefix(while: \.isASCII).prefix(while: \.isNumber)
        guard !digits.isEmpty, digits.count < 6, let number = Int(digits) else { return nil }
        var tail = afterWord.dropFirst(digits.count).drop(while: { $0 == " " })
        guard let sep = tail.first, sep == ":" || sep == "." else { return nil }
        tail = tail.dropFirst()
        if tail.first == " " { tail = tail.dropFirst() }
        return (number, tail)
    }
}
