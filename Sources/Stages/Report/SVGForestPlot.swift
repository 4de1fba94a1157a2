import Foundation

/// A horizontal forest plot: one labelled row per evaluated node, its pass@1 as a dot and its interval as a bar, on
/// a shared accuracy axis; the reference row's value is a dashed vertical line through every row. Legible at any
/// row count (the canvas grows by one row height per row; labels never overlap, long ones are shortened with the
/// full text in a tooltip). Self-contained SVG, no scripts; a pure function of the value.
public struct SVGForestPlot: Sendable, Hashable {
    /// One row: its label, value and interval (in axis units, e.g. percent).
    public struct Row: Sendable, Hashable {
        /// The row's label.
        public var label: String
        /// The row's value, in axis units.
        public var value: Double
        /// Lower end of the interval, when there is one.
        public var low: Double?
        /// Upper end of the interval, when there is one.
        public var high: Double?

        /// A value with the given fields.
        public init(label: String, value: Double, low: Double? = nil, high: Double? = nil) {
            self.label = label
            self.value = value
            self.low = low
            self.high = high
        }
    }

    /// The figure's title.
    public var title: String
    /// The value axis's label (e.g. `pass@1 (%)`).
    public var axisLabel: String
    /// The rows, drawn top to bottom in this order.
    public var rows: [Row]
    /// The row whose value is drawn as the reference line (nil: none).
    public var reference: Int?
    /// Canvas width in pixels.
    public var width: Double = 800

    /// A value with the given fields.
    public init(title: String, axisLabel: String, rows: [Row], reference: Int?) {
        self.title = title
        self.axisLabel = axisLabel
        self.rows = rows
        self.reference = reference
    }

    private static let rowHeight = 26.0
    private var left: Double { 290 }
    private var right: Double { width - 30 }
    private var top: Double { 48 }
    private var bottom: Double { top + Double(max(rows.count, 1)) * Self.rowHeight }
    /// The canvas height: the rows plus the axis below them.
    public var height: Double { bottom + 58 }

    var axis: SVGAxis {
        let values = rows.flatMap { [$0.value, $0.low ?? $0.value, $0.high ?? $0.value] }
        var axis = SVGAxis.linear(covering: values, include: [0])
        if axis.upper > 100, (values.max() ?? 0) <= 100 { axis = SVGAxis.linear(covering: [100], include: [0]) }
        return axis
    }

    private func px(_ value: Double, _ axis: SVGAxis) -> Double { axis.position(value, from: left + 10, to: right - 10) }
    private func rowY(_ index: Int) -> Double { top + (Double(index) + 0.5) * Self.rowHeight }
    private func c(_ v: Double) -> String { SVGFormat.coordinate(v) }

    /// The SVG document (starts with `<svg`, so it can also be inlined into HTML).
    public func render() -> String {
        let axis = self.axis
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(c(width))" height="\(c(height))" \
            viewBox="0 0 \(c(width)) \(c(height))" role="img" font-family="Helvetica, Arial, sans-serif" font-size="12">

            """
        out += "<title>\(SVGFormat.escape(title))</title>\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(c(width))\" height=\"\(c(height))\" fill=\"#ffffff\"/>\n"
        out += "<text x=\"\(c(width / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">\(SVGFormat.escape(title))</text>\n"
        out += "<g class=\"x-ticks\">\n"
        for (tick, label) in zip(axis.ticks, axis.labels) {
            let x = px(tick, axis)
            out += "<line x1=\"\(c(x))\" y1=\"\(c(top))\" x2=\"\(c(x))\" y2=\"\(c(bottom))\" stroke=\"#e5e5e5\"/>"
            out += "<line x1=\"\(c(x))\" y1=\"\(c(bottom))\" x2=\"\(c(x))\" y2=\"\(c(bottom + 5))\" stroke=\"#333333\"/>"
            out += "<text x=\"\(c(x))\" y=\"\(c(bottom + 19))\" text-anchor=\"middle\">\(SVGFormat.escape(label))</text>\n"
        }
        out += "</g>\n"
        out += "<line class=\"axis\" x1=\"\(c(left))\" y1=\"\(c(bottom))\" x2=\"\(c(right))\" y2=\"\(c(bottom))\" stroke=\"#333333\"/>\n"
        out += "<text x=\"\(c((left + right) / 2))\" y=\"\(c(bottom + 42))\" text-anchor=\"middle\" font-size=\"13\">\(SVGFormat.escape(axisLabel))</text>\n"
        if let reference, rows.indices.contains(reference) {
            let x = px(rows[reference].value, axis)
            out += "<line class=\"reference\" x1=\"\(c(x))\" y1=\"\(c(top))\" x2=\"\(c(x))\" y2=\"\(c(bottom))\" "
            out += "stroke=\"#777777\" stroke-dasharray=\"4 3\"/>\n"
        }
        for (index, row) in rows.enumerated() {
            let y = rowY(index)
            let color = index == reference ? "#000000" : SVGLineChart.palette[0]
            out += "<g class=\"row\" data-label=\"\(SVGFormat.escape(row.label))\" stroke=\"\(color)\" fill=\"\(color)\">\n"
            // The label column is ~270 px wide; longer labels are shortened (the full label is in the tooltip).
            let shown = row.label.count > 42 ? String(row.label.prefix(41)) + "…" : row.label
            out += "<text x=\"\(c(left - 12))\" y=\"\(c(y + 4))\" text-anchor=\"end\" stroke=\"none\" fill=\"#222222\">"
            out += "<title>\(SVGFormat.escape(row.label))</title>\(SVGFormat.escape(shown))</text>\n"
            if let low = row.low, let high = row.high, low.isFinite, high.isFinite {
                let x1 = px(low, axis), x2 = px(high, axis)
                out += "<path class=\"error-bar\" fill=\"none\" stroke-width=\"1.5\" "
                out += "d=\"M\(c(x1)) \(c(y))H\(c(x2))M\(c(x1)) \(c(y - 5))V\(c(y + 5))M\(c(x2)) \(c(y - 5))V\(c(y + 5))\"/>\n"
            }
            out += "<circle cx=\"\(c(px(row.value, axis)))\" cy=\"\(c(y))\" r=\"4\" stroke=\"none\"/>\n"
            out += "</g>\n"
        }
        out += "</svg>\n"
        return out
    }
}
