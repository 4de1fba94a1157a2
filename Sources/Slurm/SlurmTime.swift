import Foundation

/// Slurm's notations for durations and memory sizes.
public enum SlurmTime {
    /// Seconds of a Slurm duration: `M`, `M:S`, `H:M:S`, `D-H`, `D-H:M`, `D-H:M:S` (squeue's `%M`, `--time`).
    /// Nil for `UNLIMITED`, `INVALID`, `NOT_SET` and anything malformed.
    public static func seconds(_ text: some StringProtocol) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var days = 0
        var clock = Substring(trimmed)
        if let dash = clock.firstIndex(of: "-") {
            guard let d = Int(clock[..<dash]), d >= 0 else { return nil }
            days = d
            clock = clock[clock.index(after: dash)...]
        }
        let parts = clock.split(separator: ":", omittingEmptySubsequences: false)
        guard !parts.isEmpty, parts.count <= 3 else { return nil }
        var values: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.allSatisfy(\.isASCII), let v = Int(part), v >= 0 else { return nil }
            values.append(v)
        }
        let hasDays = trimmed.contains("-")
        let h, m, s: Int
        switch (hasDays, values.count) {
        case (false, 1): (h, m, s) = (0, values[0], 0)
        case (false, 2): (h, m, s) = (0, values[0], values[1])
        case (true, 1): (h, m, s) = (values[0], 0, 0)
        case (true, 2): (h, m, s) = (values[0], values[1], 0)
        default: (h, m, s) = (values[0], values[1], values[2])
        }
        let (total, overflow) = ((days * 24 + h) * 60 + m).multipliedReportingOverflow(by: 60)
        return overflow ? nil : total + s
    }

    /// A duration for `--time`, rounded up to whole seconds: `HH:MM:SS`, or `D-HH:MM:SS` from one day on.
    public static func format(seconds: Double) -> String {
        let total = max(1, Int(seconds.rounded(.up)))
        let (d, rest) = total.quotientAndRemainder(dividingBy: 86_400)
        let h = rest / 3600, m = rest % 3600 / 60, s = rest % 60
        let clock = "\(pad(h)):\(pad(m)):\(pad(s))"
        return d > 0 ? "\(d)-\(clock)" : clock
    }

    /// Mebibytes of a Slurm memory size: a number of MiB, or a number with a unit K, M, G or T (powers of 1024,
    /// as Slurm reads them). Nil when malformed, zero or negative.
    public static func mebibytes(_ text: some StringProtocol) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [Character: Double] = ["K": 1.0 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024]
        var number = Substring(trimmed)
        var scale = 1.0
        if let last = number.last, let unit = units[last] {
            scale = unit
            number = number.dropLast()
            if number.last == "I" || number.last == "B" { return nil }
        } else if trimmed.hasSuffix("B") {
            return nil
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let value = Double(number), value > 0, value * scale < 1e12 else { return nil }
        return max(1, Int((value * scale).rounded(.up)))
    }

    private static func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
