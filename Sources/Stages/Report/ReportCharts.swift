import Foundation
import LemaCore
import StageAPI

/// A training loss curve read from a `train` node's `loss` artifact (loss.jsonl: `{"step", "loss", "lr"}`).
public struct LossCurve: Sendable, Hashable {
    public var name: String
    /// (step, loss) in file order, non-finite losses dropped.
    public var points: [(step: Double, loss: Double)]

    public init(name: String, points: [(step: Double, loss: Double)]) {
        self.name = name
        self.points = points
    }

    public static func == (a: LossCurve, b: LossCurve) -> Bool {
        a.name == b.name && a.points.elementsEqual(b.points) { $0.step == $1.step && $0.loss == $1.loss }
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(name); hasher.combine(points.count) }

    /// Reads the curves of gathered `train` inputs. A node without a readable `loss` artifact adds a note instead
    /// of failing the report. Names: the stage, plus the node's first variant (and how many more) when the stage
    /// has several nodes.
    public static func read(_ inputs: [InputArtifact]) -> (curves: [LossCurve], notes: [String]) {
        var curves: [LossCurve] = [], notes: [String] = []
        var nodesPerStage: [String: Int] = [:]
        for input in inputs { nodesPerStage[input.stage, default: 0] += 1 }
        for input in inputs {
            var name = input.stage
            let variants = (input.summary["_variants"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            if (nodesPerStage[input.stage] ?? 0) > 1, let first = variants.first {
                name += " · " + first + (variants.count > 1 ? " +\(variants.count - 1)" : "")
            }
            guard let url = input.artifacts["loss"] else {
                notes.append("\(name): no `loss` artifact, so no loss curve.")
                continue
            }
            guard let lines = try? JSONLines.read(url) else {
                notes.append("\(name): cannot read \(url.lastPathComponent).")
                continue
            }
            var points: [(step: Double, loss: Double)] = []
            for line in lines {
                guard let object = try? line.object(), let step = object["step"]?.doubleValue,
                      let loss = object["loss"]?.doubleValue, step.isFinite, loss.isFinite else { continue }
                points.append((step, loss))
            }
            if points.isEmpty { notes.append("\(name): the loss file has no points yet.") }
            curves.append(LossCurve(name: name, points: points))
        }
        return (curves, notes)
    }

    /// At most `limit` points, evenly spaced by index, always keeping the first and last.
    public func thinned(to limit: Int) -> [(step: Double, loss: Double)] {
        guard points.count > limit, limit >= 2 else { return points }
        return (0..<limit).map { points[$0 * (points.count - 1) / (limit - 1)] }
    }
}

/// The report's two figures, built from the table and the loss curves.
public enum ReportCharts {
    /// Accuracy (%) vs the x parameter, one line per series value, 95% intervals as error bars. When no row has a
    /// numeric x the rows become categories (unconnected points). Rows without accuracy, or without a numeric x on
    /// a numeric axis, are left out and listed in the returned notes.
    public static func accuracy(_ table: ReportTable, title: String) -> (chart: SVGLineChart, notes: [String]) {
        var notes: [String] = []
        let plotted = table.rows.filter { $0.accuracy != nil }
        for row in table.rows where row.accuracy == nil { notes.append("\(label(row)): no accuracy in its summary.") }
        let numeric = plotted.contains { ReportTable.number($0.params[table.x]) != nil }

        var order: [String] = []
        var bySeries: [String: [SVGPoint]] = [:]
        var categories: [String] = []
        for row in plotted {
            let x: Double
            if numeric {
                guard let value = ReportTable.number(row.params[table.x]) else {
                    notes.append("\(label(row)): no numeric '\(table.x)', not plotted.")
                    continue
                }
                x = value
            } else {
                x = Double(categories.count)
                categories.append(label(row))
            }
            let name = table.seriesName(row)
            if bySeries[name] == nil { order.append(name) }
            bySeries[name, default: []].append(point(row, x: x))
        }
        let series = order.map { SVGSeries(name: $0, points: (bySeries[$0] ?? []).sorted { $0.x < $1.x }) }
        let ys = series.flatMap(\.points).flatMap { [$0.y, $0.high ?? $0.y] }
        var yAxis = SVGAxis.linear(covering: ys, include: [0])
        if yAxis.upper > 100, (ys.max() ?? 0) <= 100 { yAxis = SVGAxis.linear(covering: [100], include: [0]) }
        let xAxis = numeric ? SVGAxis.linear(covering: series.flatMap(\.points).map(\.x)) : .categories(categories)
        var chart = SVGLineChart(title: title, xLabel: numeric ? table.x : "evaluation",
                                 yLabel: "pass@1 accuracy (%), 95% Wilson interval", series: series,
                                 xAxis: xAxis, yAxis: yAxis)
        chart.connect = numeric
        chart.dodge = numeric ? 6 : 0  // categories hold one point each; shifting would only misalign them
        return (chart, notes)
    }

    /// Training loss vs step, one line per curve; log scale unless a loss is ≤ 0.
    public static func loss(_ curves: [LossCurve], scale: SVGScale) -> SVGLineChart? {
        let drawn = curves.filter { !$0.points.isEmpty }
        guard !drawn.isEmpty else { return nil }
        let series = drawn.map { curve in
            SVGSeries(name: curve.name, points: curve.thinned(to: 500).map { SVGPoint(x: $0.step, y: $0.loss) })
        }
        let losses = series.flatMap(\.points).map(\.y)
        let useLog = scale == .log && losses.allSatisfy { $0 > 0 }
        let yAxis = useLog ? SVGAxis.log(covering: losses) : SVGAxis.linear(covering: losses)
        var chart = SVGLineChart(title: "Training loss", xLabel: "step",
                                 yLabel: useLog ? "loss (log scale)" : "loss", series: series,
                                 xAxis: .linear(covering: series.flatMap(\.points).map(\.x), include: [0]), yAxis: yAxis)
        chart.markers = series.allSatisfy { $0.points.count <= 30 }
        return chart
    }

    /// How a row is named in notes and category labels.
    static func label(_ row: ReportRow) -> String {
        row.variant == "default" ? row.stage : "\(row.stage) [\(row.variant)]"
    }

    private static func point(_ row: ReportRow, x: Double) -> SVGPoint {
        let y = (row.accuracy ?? 0) * 100
        return SVGPoint(x: x, y: y, low: row.ciLow.map { $0 * 100 }, high: row.ciHigh.map { $0 * 100 })
    }
}
