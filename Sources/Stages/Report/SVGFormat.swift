import Foundation

/// Byte-stable text for SVG/HTML output: fixed decimal places (C `printf`, locale-independent here), no `-0`,
/// and XML escaping.
public enum SVGFormat {
    /// `value` with exactly `decimals` places; `-0.0` prints as `0.0`; non-finite values print as `0`.
    public static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return decimals > 0 ? "0." + String(repeating: "0", count: decimals) : "0" }
        let text = String(format: "%.\(max(0, decimals))f", value)
        if text.hasPrefix("-"), text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { return String(text.dropFirst()) }
        return text
    }

    /// A coordinate in user units (one decimal is finer than a pixel).
    public static func coordinate(_ value: Double) -> String { fixed(value, 1) }

    /// Escapes text for XML/HTML content and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// A tick label: as many decimals as the tick step needs (step 0.25 → 2, step 5 → 0).
    public static func tick(_ value: Double, step: Double) -> String {
        fixed(value, decimals(forStep: step))
    }

    /// Decimal places that show multiples of `step` exactly (for steps of the form {1, 2, 2.5, 5}·10^k).
    public static func decimals(forStep step: Double) -> Int {
        guard step > 0, step.isFinite else { return 0 }
        for places in 0...8 {
            let scaled = step * pow(10, Double(places))
            if abs(scaled - scaled.rounded()) < 1e-9 * max(1, scaled) { return places }
        }
        return 8
    }
}
