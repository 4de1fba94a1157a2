import Foundation

/// How data values map onto an axis.
public enum SVGScale: String, Sendable, Hashable {
    case linear
    /// Base-10 logarithmic; only for positive values.
    case log
}

/// An axis: its data range (after rounding out to ticks), its ticks with labels, and the value → pixel mapping.
public struct SVGAxis: Sendable, Hashable {
    /// How values map onto the axis.
    public var scale: SVGScale
    /// The axis's smallest value.
    public var lower: Double
    /// The axis's largest value.
    public var upper: Double
    /// Tick positions, in data units.
    public var ticks: [Double]
    /// The ticks' labels.
    public var labels: [String]

    /// Maps a data value onto `[start, end]` (pixels; `end` may be smaller than `start` for a y axis).
    public func position(_ value: Double, from start: Double, to end: Double) -> Double {
        let t: Double
        switch scale {
        case .linear: t = upper > lower ? (value - lower) / (upper - lower) : 0.5
        case .log:
            let lo = log10(lower), hi = log10(upper)
            t = hi > lo && value > 0 ? (log10(value) - lo) / (hi - lo) : 0.5
        }
        return start + t * (end - start)
    }

    /// A linear axis with "nice" ticks (steps of 1, 2, 2.5 or 5 × 10^k) covering `values` (and `include`, e.g. 0).
    /// A single value gets a unit-wide range around it so it sits in the middle of the plot.
    public static func linear(covering values: [Double], include: [Double] = [], targetTicks: Int = 6) -> SVGAxis {
        let all = (values + include).filter(\.isFinite)
        var lo = all.min() ?? 0, hi = all.max() ?? 1
        if hi - lo < 1e-12 {
            let pad = lo == 0 ? 1 : abs(lo) * 0.5
            lo -= pad
            hi += pad
            if include.contains(0), lo < 0, (values.min() ?? 0) >= 0 { lo = 0 }
        }
        let step = niceStep((hi - lo) / Double(max(targetTicks - 1, 1)))
        let first = (lo / step + 1e-9).rounded(.down), last = (hi / step - 1e-9).rounded(.up)
        let ticks = stride(from: first, through: last, by: 1).map { $0 * step }
        return SVGAxis(scale: .linear, lower: first * step, upper: last * step, ticks: ticks,
                       labels: ticks.map { SVGFormat.tick($0, step: step) })
    }

    /// A log axis covering positive `values`. Over few decades the ticks (and the range ends) are 1, 2 and 5 × 10^k,
    /// otherwise whole decades.
    public static func log(covering values: [Double]) -> SVGAxis {
        let positive = values.filter { $0 > 0 && $0.isFinite }
        let lo = positive.min() ?? 1, hi = positive.max() ?? 10
        let firstDecade = Int(log10(lo).rounded(.down))
        let lastDecade = max(Int(log10(hi).rounded(.up)), firstDecade + 1)
        let multipliers = lastDecade - firstDecade <= 2 ? [1.0, 2.0, 5.0] : [1.0]
        let candidates = (firstDecade...lastDecade).flatMap { decade in
            multipliers.map { $0 * pow(10, Double(decade)) }
        }
        let lower = candidates.last { $0 <= lo * (1 + 1e-12) } ?? candidates[0]
        let upper = candidates.first { $0 >= hi * (1 - 1e-12) && $0 > lower } ?? candidates[candidates.count - 1]
        let ticks = candidates.filter { $0 >= lower && $0 <= upper }
        return SVGAxis(scale: .log, lower: lower, upper: upper, ticks: ticks,
                       labels: ticks.map { SVGFormat.fixed($0, max(0, -Int(log10($0).rounded(.down)))) })
    }

    /// The smallest of {1, 2, 2.5, 5, 10} × 10^k that is ≥ `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, log10(raw).rounded(.down))
        for m in [1.0, 2.0, 2.5, 5.0, 10.0] where m * magnitude >= raw * (1 - 1e-9) { return m * magnitude }
        return 10 * magnitude
    }
}
