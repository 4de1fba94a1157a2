/// An arithmetic statement written in a step, `a op b (op c …) = r`, as in `He pays 3 x $4 = $12.` or
/// `16 - 3 - 4 = 9 eggs`. Numbers may carry `$`, thousands commas, decimals, a sign, and up to two unit words
/// before the next operator (`5 apples + 3 apples = 8`); `x`/`×` between numbers means times.
public struct ArithmeticClaim: Sendable, Hashable {
    /// The numbers left of `=`, in the order written (one more than `operators`).
    public var operands: [Double]
    /// One fewer than `operands`.
    public var operators: [ArithmeticOp]
    /// The number written after `=`.
    public var claimedResult: Double
    /// Digits after the decimal point in the written result (its display precision).
    public var claimedDecimals: Int
    /// Where the claim is written in the step text (from the first operand to the result).
    public var range: Range<String.Index>

    /// The value of the left side with the usual precedence, or `nil` (division by zero).
    public var computedResult: Double? {
        // Fold × and ÷ into the current term, then add or subtract the terms left to right.
        var terms = [operands[0]]
        var signs: [ArithmeticOp] = []
        for (op, value) in zip(operators, operands.dropFirst()) {
            switch op {
            case .multiply: terms[terms.count - 1] *= value
            case .divide:
                guard value != 0 else { return nil }
                terms[terms.count - 1] /= value
            case .add, .subtract:
                signs.append(op)
                terms.append(value)
            }
        }
        var total = terms[0]
        for (op, term) in zip(signs, terms.dropFirst()) { total = op == .add ? total + term : total - term }
        return total
    }

    /// Whether the written result equals the computed one up to the precision it is written with.
    public var isCorrect: Bool {
        guard let exact = computedResult else { return false }
        return NumberText.matches(claimed: claimedResult, exact: exact, decimals: claimedDecimals)
    }

    /// `a op b = r` with plain numbers, the shape generated steps use.
    public static func render(_ operands: [Double], _ operators: [ArithmeticOp], result: Double) -> String {
        var s = NumberText.render(operands[0])
        for (op, operand) in zip(operators, operands.dropFirst()) { s += " \(op.symbol) \(NumberText.render(operand))" }
        return s + " = " + NumberText.render(result)
    }

    // MARK: Extraction

    private enum Token {
        case number(Double, decimals: Int, Range<String.Index>)
        case op(ArithmeticOp)
        case equals
        case word
        case barrier
    }

    /// All claims in `text`, left to right.
    public static func extract(from text: String) -> [ArithmeticClaim] {
        let tokens = tokenize(text)
        var claims: [ArithmeticClaim] = []
        var i = 0
        while i < tokens.count {
            if let (claim, next) = claim(startingAt: i, in: tokens) {
                claims.append(claim)
                i = next
            } else {
                i += 1
            }
        }
        return claims
    }

    private static func claim(startingAt start: Int, in tokens: [Token]) -> (ArithmeticClaim, Int)? {
        guard case .number(let first, _, let firstRange) = tokens[start] else { return nil }
        var operands = [first]
        var operators: [ArithmeticOp] = []
        var i = start + 1
        while true {
            var units = 0
            while i < tokens.count, case .word = tokens[i], units < 2 { units += 1; i += 1 }
            guard i < tokens.count else { return nil }
            switch tokens[i] {
            case .op(let op):
                guard i + 1 < tokens.count, case .number(let v, _, _) = tokens[i + 1] else { return nil }
                operators.append(op)
                operands.append(v)
                i += 2
            case .equals:
                guard !operators.isEmpty, i + 1 < tokens.count,
                      case .number(let r, let decimals, let resultRange) = tokens[i + 1] else { return nil }
                let claim = ArithmeticClaim(operands: operands, operators: operators, claimedResult: r,
                                            claimedDecimals: decimals,
                                            range: firstRange.lowerBound..<resultRange.upperBound)
                return (claim, i + 2)
            default:
                return nil
            }
        }
    }

    private static func tokenize(_ text: String) -> [Token] {
        var tokens: [Token] = []
        var i = text.startIndex
        func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
        func previousAllowsSign() -> Bool {
            guard let last = tokens.last else { return true }
            switch last {
            case .op, .equals, .barrier: return true
            default: return false
            }
        }
        while i < text.endIndex {
            let c = text[i]
            let next = text.index(after: i)
            let nextChar: Character? = next < text.endIndex ? text[next] : nil
            if c == " " || c == "\t" || c == "\n" {
                i = next
            } else if isDigit(c) || c == "$" || ((c == "-" || c == "−") && nextChar.map(isDigit) == true && previousAllowsSign())
                        || (c == "." && nextChar.map(isDigit) == true) {
                let start = i
                var j = i
                var negative = false
                if text[j] == "-" || text[j] == "−" { negative = true; j = text.index(after: j) }
                if j < text.endIndex, text[j] == "$" { j = text.index(after: j) }
                if j < text.endIndex, !negative, text[j] == "-" || text[j] == "−" {
                    negative = true
                    j = text.index(after: j)
                }
                var digits = ""
                var decimals = -1
                while j < text.endIndex {
                    let d = text[j]
                    let after = text.index(after: j)
                    let afterIsDigit = after < text.endIndex && isDigit(text[after])
                    if isDigit(d) {
                        digits.append(d)
                        if decimals >= 0 { decimals += 1 }
                    } else if d == ",", !digits.isEmpty, decimals < 0, afterIsDigit {
                        // thousands separator
                    } else if d == ".", decimals < 0, afterIsDigit {
                        digits.append(".")
                        decimals = 0
                    } else {
                        break
                    }
                    j = after
                }
                if let v = Double(digits), !digits.isEmpty {
                    tokens.append(.number(negative ? -v : v, decimals: max(decimals, 0), start..<j))
                    i = j
                } else {
                    tokens.append(.barrier)
                    i = next
                }
            } else if c == "=" {
                tokens.append(.equals)
                i = next
            } else if let op = ArithmeticOp(symbol: c), !(c.isLetter) || isStandaloneTimes(text, at: i) {
                tokens.append(.op(op))
                i = next
            } else if c.isLetter || c == "%" {
                var j = i
                while j < text.endIndex, text[j].isLetter || text[j] == "%" || text[j] == "'" { j = text.index(after: j) }
                tokens.append(.word)
                i = j
            } else {
                tokens.append(.barrier)
                i = next
            }
        }
        return tokens
    }

    /// `x` counts as times only between a number and a number (`3 x 4`, `3x4`, `3 x $4`).
    private static func isStandaloneTimes(_ text: String, at i: String.Index) -> Bool {
        let before = text[..<i].reversed().drop(while: { $0 == " " }).first
        let afterStart = text.index(after: i)
        let after = text[afterStart...].drop(while: { $0 == " " }).first
        guard let before, let after else { return false }
        return (before.isNumber && before.isASCII) && ((after.isNumber && after.isASCII) || after == "$")
    }
}
