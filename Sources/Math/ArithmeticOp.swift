import Foundation

/// One of the four operations a word-problem step performs.
public enum ArithmeticOp: String, Codable, Sendable, Hashable, CaseIterable {
    /// Addition, `+`.
    case add = "+"
    /// Subtraction, `-`.
    case subtract = "-"
    /// Multiplication, `*`.
    case multiply = "*"
    /// Division, `/` (exact in generated problems).
    case divide = "/"

    /// The ASCII symbol used when a step is rendered (`4 * 6 = 24`).
    public var symbol: String { rawValue }

    /// Whether the operand order does not matter (`a + b == b + a`).
    public var isCommutative: Bool { self == .add || self == .multiply }

    /// A verb for explanations ("add", "subtract", …).
    public var verb: String {
        switch self {
        case .add: "add"
        case .subtract: "subtract"
        case .multiply: "multiply"
        case .divide: "divide"
        }
    }

    /// Applies the operation in floating point; `nil` on division by zero.
    public func apply(_ a: Double, _ b: Double) -> Double? {
        switch self {
        case .add: a + b
        case .subtract: a - b
        case .multiply: a * b
        case .divide: b == 0 ? nil : a / b
        }
    }

    /// Applies the operation on integers; `nil` when the result is not an integer (inexact division, division by
    /// zero) or overflows.
    public func applyExact(_ a: Int, _ b: Int) -> Int? {
        switch self {
        case .add: let (r, o) = a.addingReportingOverflow(b); return o ? nil : r
        case .subtract: let (r, o) = a.subtractingReportingOverflow(b); return o ? nil : r
        case .multiply: let (r, o) = a.multipliedReportingOverflow(by: b); return o ? nil : r
        case .divide: return b == 0 || a % b != 0 ? nil : a / b
        }
    }

    /// Reads a symbol as written in solutions: `+ - * / x X × ÷ −`.
    public init?(symbol: Character) {
        switch symbol {
        case "+": self = .add
        case "-", "−", "–": self = .subtract
        case "*", "x", "X", "×", "∗", "·": self = .multiply
        case "/", "÷": self = .divide
        default: return nil
        }
    }
}

/// How numbers are written in generated text: integers plainly, other values with at most two decimals.
public enum NumberText {
    /// `24` for 24.0, `2.33` for 7/3, `-3` for -3.0, `0.5` for 0.5.
    public static func render(_ value: Double) -> String {
        if value.isNaN || value.isInfinite { return "\(value)" }
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
        var text = String(format: "%.2f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// Number of digits after the decimal point in a written number (`"2.33"` → 2).
    static func decimals(in text: String) -> Int {
        guard let dot = text.firstIndex(of: ".") else { return 0 }
        return text[text.index(after: dot)...].filter(\.isNumber).count
    }

    /// Whether `claimed`, written with `decimals` digits after the point, is `exact` rounded for display.
    /// Generated text rounds to two decimals, and people write `7 / 3 = 2.33`, so equality is up to the precision
    /// the number is written with.
    public static func matches(claimed: Double, exact: Double, decimals: Int) -> Bool {
        let tolerance = max(0.5 * pow10(-decimals), 1e-9 * max(1, abs(exact)))
        return abs(claimed - exact) <= tolerance + 1e-12
    }

    private static func pow10(_ e: Int) -> Double {
        var r = 1.0
        for _ in 0..<abs(e) { r *= 10 }
        return e < 0 ? 1 / r : r
    }
}
