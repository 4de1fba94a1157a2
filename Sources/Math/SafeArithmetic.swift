/// Evaluates simple arithmetic (`3/4`, `12*3`, `-(2+3)*4`, `1.5`) with a recursive-descent parser. Never an `eval`:
/// only numbers, `+ - * /`, unary signs and parentheses are understood; anything else makes the whole text invalid.
///
/// Grammar: `expr := term (('+'|'-') term)*`, `term := factor (('*'|'/') factor)*`,
/// `factor := ('+'|'-') factor | number | '(' expr ')'`.
public enum SafeArithmetic {
    /// Longest text accepted, and deepest nesting, so hostile input cannot make the parser slow or overflow the stack.
    public static let maxLength = 200
    /// Deepest nesting of parentheses and unary signs; deeper text is invalid (`nil`).
    public static let maxDepth = 32

    /// The value of `text`, or `nil` when it is not a complete, valid expression or divides by zero.
    public static func evaluate(_ text: String) -> Double? {
        guard text.utf8.count <= maxLength else { return nil }
        var parser = Parser(chars: Array(text.unicodeScalars))
        guard let value = parser.expression(depth: 0) else { return nil }
        parser.skipSpaces()
        guard parser.position == parser.chars.count, value.isFinite else { return nil }
        return value
    }

    private struct Parser {
        let chars: [Unicode.Scalar]
        var position = 0

        init(chars: [Unicode.Scalar]) { self.chars = chars }

        mutating func skipSpaces() {
            while position < chars.count, chars[position] == " " || chars[position] == "\t" { position += 1 }
        }

        mutating func peek() -> Unicode.Scalar? {
            skipSpaces()
            return position < chars.count ? chars[position] : nil
        }

        mutating func expression(depth: Int) -> Double? {
            guard depth < SafeArithmetic.maxDepth, var value = term(depth: depth) else { return nil }
            while let c = peek(), c == "+" || c == "-" {
                position += 1
                guard let rhs = term(depth: depth) else { return nil }
                value = c == "+" ? value + rhs : value - rhs
            }
            return value
        }

        mutating func term(depth: Int) -> Double? {
            guard var value = factor(depth: depth) else { return nil }
            while let c = peek(), c == "*" || c == "/" {
                position += 1
                guard let rhs = factor(depth: depth) else { return nil }
                if c == "*" { value *= rhs } else {
                    guard rhs != 0 else { return nil }
                    value /= rhs
                }
            }
            return value
        }

        mutating func factor(depth: Int) -> Double? {
            guard depth < SafeArithmetic.maxDepth, let c = peek() else { return nil }
            if c == "-" || c == "+" {
                position += 1
                guard let inner = factor(depth: depth + 1) else { return nil }
                return c == "-" ? -inner : inner
            }
            if c == "(" {
                position += 1
                guard let inner = expression(depth: depth + 1), peek() == ")" else { return nil }
                position += 1
                return inner
            }
            return number()
        }

        mutating func number() -> Double? {
            let start = position
            var sawDigit = false, sawDot = false
            while position < chars.count {
                let c = chars[position]
                if c >= "0" && c <= "9" { sawDigit = true } else if c == "." && !sawDot { sawDot = true } else { break }
                position += 1
            }
            guard sawDigit else { position = start; return nil }
            var text = ""
            text.unicodeScalars.append(contentsOf: chars[start..<position])
            return Double(text)
        }
    }
}
