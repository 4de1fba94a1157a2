import Foundation

/// One point of a chart series, with an optional interval drawn as an error bar.
public struct SVGPoint: Sendable, Hashable {
    /// Position on the x axis, in data units.
    public var x: Double
    /// Position on the y axis, in data units.
    public var y: Double
    /// Lower end of the interval, when there is one.
    public var low: Double?
    /// Upper end of the interval, when there is one.
    public var high: Double?
    /// A value with the given fields.
    public init(x: Double, y: Double, low: Double? = nil, high: Double? = nil) {
        self.x = x
        self.y = y
        self.low = low
        self.high = high
    }
}

/// A named line of a chart.
public struct SVGSeries: Sendable, Hashable {
    /// The name shown for it.
    public var name: String
    /// The points in order.
    public var points: [SVGPoint]
    /// A value with the given fields.
    public init(name: String, points: [SVGPoint]) {
        self.name = name
        self.points = points
    }
}

/// A self-contained SVG line chart (no scripts, no external fonts or styles): title, axes with ticks and labels,
/// horizontal grid lines, one `<polyline>` per series with at least two points (when `connect`), point markers,
/// error bars (`class="error-bar"`, one `<path>` per interval) and a legend. Output is a pure function of the value.
public struct SVGLineChart: Sendable, Hashable {
    /// The figure's title.
    public var title: String
    /// The x axis's label.
    public var xLabel: String
    /// The y axis's label.
    public var yLabel: String
    /// The lines, in legend order.
    public var series: [SVGSeries]
    /// The x axis.
    public var xAxis: SVGAxis
    /// The y axis.
    public var yAxis: SVGAxis
    /// Draw lines between a series' points (false for categorical x, where a line would suggest an order).
    public var connect: Bool = true
    /// Draw a marker at every point (a long loss curve reads better without).
    public var markers: Bool = true
    /// Horizontal offset in pixels between neighbouring series, so error bars at the same x stay apart.
    public var dodge: Double = 0
    /// Canvas width in pixels.
    public var width: Double = 800
    /// Canvas height in pixels.
    public var height: Double = 440

    /// A value with the given fields.
    public init(title: String, xLabel: String, yLabel: String, series: [SVGSeries], xAxis: SVGAxis, yAxis: SVGAxis) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.xAxis = xAxis
        self.yAxis = yAxis
    }

    /// Colour-blind-safe palette (Okabe–Ito), reused cyclically.
    public static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

    // Plot area inside the canvas; the right margin holds the legend.
    private var left: Double { 68 }
    private var right: Double { width - 230 }
    /// Space between the axes and the outermost data, so points at the ends do not sit on an axis line.
    private var inset: Double { 14 }
    private var top: Double { 44 }
    private var bottom: Double { height - 60 }

    private func px(_ x: Double) -> Double { xAxis.position(x, from: left + inset, to: right - inset) }
    private func py(_ y: Double) -> Double { yAxis.position(y, from: bottom, to: top) }
    private func c(_ v: Double) -> String { SVGFormat.coordinate(v) }

    /// The SVG document (starts with `<svg`, so it can also be inlined into HTML).
    public func render() -> String {
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(c(width))" height="\(c(height))" \
            viewBox="0 0 \(c(width)) \(c(height))" role="img" font-family="Helvetica, Arial, sans-serif" font-size="12">

            """
        out += "<title>\(SVGFormat.escape(title))</title>\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(c(width))\" height=\"\(c(height))\" fill=\"#ffffff\"/>\n"
        out += "<text x=\"\(c(width / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">\(SVGFormat.escape(title))</text>\n"
        out += axes()
        for (index, s) in series.enumerated() {
            let shift = dodge * (Double(index) - Double(series.count - 1) / 2)
            out += draw(s, color: Self.palette[index % Self.palette.count], shift: shift)
        }
        out += legend()
        out += "</svg>\n"
        return out
    }

    private func axes() -> String {
        var out = "<g class=\"axes\" stroke=\"#333333\" stroke-width=\"1\">\n"
        out += "<line x1=\"\(c(left))\" y1=\"\(c(bottom))\" x2=\"\(c(right))\" y2=\"\(c(bottom))\"/>\n"
        out += "<line x1=\"\(c(left))\" y1=\"\(c(top))\" x2=\"\(c(left))\" y2=\"\(c(bottom))\"/>\n"
        out += "</g>\n<g class=\"y-ticks\">\n"
        for (tick, label) in zip(yAxis.ticks, yAxis.labels) {
            let y = py(tick)
            out += "<line x1=\"\(c(left))\" y1=\"\(c(y))\" x2=\"\(c(right))\" y2=\"\(c(y))\" stroke=\"#e5e5e5\"/>"
            out += "<line x1=\"\(c(left - 5))\" y1=\"\(c(y))\" x2=\"\(c(left))\" y2=\"\(c(y))\" stroke=\"#333333\"/>"
            out += "<text x=\"\(c(left - 8))\" y=\"\(c(y + 4))\" text-anchor=\"end\">\(SVGFormat.escape(label))</text>\n"
        }
        out += "</g>\n<g class=\"x-ticks\">\n"
        for (tick, label) in zip(xAxis.ticks, xAxis.labels) {
            let x = px(tick)
            out += "<line x1=\"\(c(x))\" y1=\"\(c(bottom))\" x2=\"\(c(x))\" y2=\"\(c(bottom + 5))\" stroke=\"#333333\"/>"
            out += "<text x=\"\(c(x))\" y=\"\(c(bottom + 19))\" text-anchor=\"middle\">\(SVGFormat.escape(label))</text>\n"
        }
        out += "</g>\n"
        out += "<text x=\"\(c((left + right) / 2))\" y=\"\(c(height - 18))\" text-anchor=\"middle\" font-size=\"13\">\(SVGFormat.escape(xLabel))</text>\n"
        let midY = (top + bottom) / 2
        out += "<text x=\"18\" y=\"\(c(midY))\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 18 \(c(midY)))\">\(SVGFormat.escape(yLabel))</text>\n"
        return out
    }

    private func draw(_ s: SVGSeries, color: String, shift: Double) -> String {
        var out = "<g class=\"series\" data-series=\"\(SVGFormat.escape(s.name))\" stroke=\"\(color)\" fill=\"\(color)\">\n"
        let points = s.points.filter { $0.x.isFinite && $0.y.isFinite }
        if connect && points.count >= 2 {
            let coords = points.map { "\(c(px($0.x) + shift)),\(c(py($0.y)))" }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke-width=\"2\" points=\"\(coords)\"/>\n"
        }
        for p in points {
            let x = px(p.x) + shift
            if let low = p.low, let high = p.high, low.isFinite, high.isFinite {
                let y1 = py(low), y2 = py(high)
                out += "<path class=\"error-bar\" fill=\"none\" stroke-width=\"1.5\" "
                out += "d=\"M\(c(x)) \(c(y1))V\(c(y2))M\(c(x - 4)) \(c(y1))H\(c(x + 4))M\(c(x - 4)) \(c(y2))H\(c(x + 4))\"/>\n"
            }
            if markers {
                out += "<circle cx=\"\(c(x))\" cy=\"\(c(py(p.y)))\" r=\"3.5\" stroke=\"none\"/>\n"
            }
        }
        out += "</g>\n"
        return out
    }

    private func legend() -> String {
        guard !series.isEmpty else { return "" }
        var out = "<g class=\"legend\">\n"
        let x = right + 18
        for (index, s) in series.enumerated() {
            let y = top + 8 + Double(index) * 20
            let color = Self.palette[index % Self.palette.count]
            out += "<line x1=\"\(c(x))\" y1=\"\(c(y))\" x2=\"\(c(x + 22))\" y2=\"\(c(y))\" stroke=\"\(color)\" stroke-width=\"2\"/>"
            // The legend column is ~180 px wide; longer names are shortened (the full name is in the tooltip).
            let shown = s.name.count > 28 ? String(s.name.prefix(27)) + "…" : s.name
            out += "<text x=\"\(c(x + 28))\" y=\"\(c(y + 4))\"><title>\(SVGFormat.escape(s.name))</title>\(SVGFormat.escape(shown))</text>\n"
        }
        out += "</g>\n"
        return out
    }
}
