import Foundation
import LemaCore
import Math
import StageAPI

/// A training loss curve read from a `train` node's `loss` artifact (loss.jsonl: `{"step", "loss", "lr",
/// "loss_by_source"}`).
public struct LossCurve: Sendable, Hashable {
    /// The name shown for it.
    public var name: String
    /// (step, loss) in file order, non-finite losses dropped.
    public var points: [(step: Double, loss: Double)]
    /// Source (`cot`, `correction`, …) → (step, loss on that source's target tokens), for steps whose batch had it.
    public var bySource: [String: [(step: Double, loss: Double)]] = [:]

    /// A value with the given fields.
    public init(name: String, points: [(step: Double, loss: Double)],
                bySource: [String: [(step: Double, loss: Double)]] = [:]) {
        self.name = name
        self.points = points
        self.bySource = bySource
    }

    /// Equal when names match and the points are equal pairwise (tuples are not `Equatable`).
    public static func == (a: LossCurve, b: LossCurve) -> Bool {
        func same(_ x: [(step: Double, loss: Double)], _ y: [(step: Double, loss: Double)]) -> Bool {
            x.elementsEqual(y) { $0.step == $1.step && $0.loss == $1.loss }
        }
        return a.name == b.name && same(a.points, b.points) && a.bySource.keys.sorted() == b.bySource.keys.sorted()
            && a.bySource.allSatisfy { same($0.value, b.bySource[$0.key] ?? []) }
    }
    /// Hashes the name and the point count only: consistent with `==` and cheap for long curves.
    public func hash(into hasher: inout Hasher) { hasher.combine(name); hasher.combine(points.count) }

    /// Reads the curves of gathered `train` inputs. A node without a readable `loss` artifact adds a note instead
    /// of failing the report. Names: the stage, plus the node's first variant (and how many more) when the stage
    /// has several nodes.
    public static func read(_ inputs: [InputArtifact]) -> (curves: [LossCurve], notes: [String]) {
        var curves: [LossCurve] = [], notes: [String] = []
        let names = trainingNames(inputs)
        for (input, name) in zip(inputs, names) {
            guard let url = input.artifacts["loss"] else {
                notes.append("\(name): no `loss` artifact, so no loss curve.")
                continue
            }
            guard let lines = try? JSONLines.read(url) else {
                notes.append("\(name): cannot read \(url.lastPathComponent).")
                continue
            }
            var points: [(step: Double, loss: Double)] = []
            var bySource: [String: [(step: Double, loss: Double)]] = [:]
            for line in lines {
                guard let record = try? LossRecord(RecordFields(line, record: LossRecord.record)),
                      record.loss.isFinite else { continue }
                let step = Double(record.step)
                points.append((step, record.loss))
                for (source, value) in record.lossBySource where value.isFinite {
                    bySource[source, default: []].append((step, value))
                }
            }
            if points.isEmpty { notes.append("\(name): the loss file has no points yet.") }
            curves.append(LossCurve(name: name, points: points, bySource: bySource))
        }
        return (curves, notes)
    }

    /// How the report names gathered `train` nodes: the stage, plus the node's first variant (and how many more)
    /// when the stage has several nodes.
    public static func trainingNames(_ inputs: [InputArtifact]) -> [String] {
        var nodesPerStage: [String: Int] = [:]
        for input in inputs { nodesPerStage[input.stage, default: 0] += 1 }
        return inputs.map { input in
            var name = input.stage
            let variants = (input.summary["_variants"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            if (nodesPerStage[input.stage] ?? 0) > 1, let first = variants.first {
                name += " · " + first + (variants.count > 1 ? " +\(variants.count - 1)" : "")
            }
            return name
        }
    }

    /// At most `limit` points, evenly spaced by index, always keeping the first and last.
    public func thinned(to limit: Int) -> [(step: Double, loss: Double)] {
        guard points.count > limit, limit >= 2 else { return points }
        return (0..<limit).map { points[$0 * (points.count - 1) / (limit - 1)] }
    }
}

/// The report's two figures, built from the table and the loss curves.
public enum ReportCharts {
    /// The accuracy figure: a line chart against the x parameter when rows have a numeric x (a ratio sweep), else
    /// a forest plot with one labelled row per evaluated node (`forest`).
    public static func accuracy(_ table: ReportTable, title: String) -> (figure: AccuracyFigure, notes: [String]) {
        let numeric = table.rows.contains { $0.accuracy != nil && ReportTable.number($0.params[table.x]) != nil }
        if numeric {
            let (chart, notes) = accuracyLines(table, title: title)
            return (.lines(chart), notes)
        }
        return forest(table, title: title)
    }

    /// One row per evaluated node (a node shared by variants once), pass@1 with its 95% interval; the node that
    /// every variant shares (the base model's evaluation in a sweep), if any, is the dashed reference line.
    public static func forest(_ table: ReportTable, title: String) -> (figure: AccuracyFigure, notes: [String]) {
        var notes: [String] = []
        var rows: [SVGForestPlot.Row] = []
        var reference: Int?
        for row in table.nodeRows {
            guard let accuracy = row.accuracy else {
                notes.append("\(label(row)): no accuracy in its summary.")
                continue
            }
            if row.variant == "all variants", reference == nil { reference = rows.count }
            rows.append(SVGForestPlot.Row(label: label(row), value: accuracy * 100, low: row.ciLow.map { $0 * 100 },
                                          high: row.ciHigh.map { $0 * 100 }))
        }
        let plot = SVGForestPlot(title: title, axisLabel: "pass@1 accuracy (%), 95% Wilson interval", rows: rows,
                                 reference: reference)
        return (.forest(plot), notes)
    }

    /// Accuracy (%) vs the x parameter, one line per series value, 95% intervals as error bars. Rows without
    /// accuracy or without a numeric x are left out and listed in the returned notes.
    static func accuracyLines(_ table: ReportTable, title: String) -> (chart: SVGLineChart, notes: [String]) {
        var notes: [String] = []
        let plotted = table.rows.filter { $0.accuracy != nil }
        for row in table.rows where row.accuracy == nil { notes.append("\(label(row)): no accuracy in its summary.") }
        var order: [String] = []
        var bySeries: [String: [SVGPoint]] = [:]
        var drawnNodes = Set<String>()
        for row in plotted {
            guard let x = ReportTable.number(row.params[table.x]) else {
                notes.append("\(label(row)): no numeric '\(table.x)', not plotted.")
                continue
            }
            // One point per evaluated node and x: a node shared by several variants at one x counts once.
            let key = table.seriesName(row) + "\u{0}" + String(x) + "\u{0}" + row.node
            guard row.node.isEmpty || drawnNodes.insert(key).inserted else { continue }
            let name = table.seriesName(row)
            if bySeries[name] == nil { order.append(name) }
            bySeries[name, default: []].append(point(row, x: x))
        }
        let replicated = plotted.contains { $0.seed != nil }
        let series = order.map { name in
            let points = (bySeries[name] ?? []).sorted { $0.x < $1.x }
            return SVGSeries(name: name, points: replicated ? meanOverSeeds(points) : points)
        }
        let ys = series.flatMap(\.points).flatMap { [$0.y, $0.high ?? $0.y] }
        var yAxis = SVGAxis.linear(covering: ys, include: [0])
        if yAxis.upper > 100, (ys.max() ?? 0) <= 100 { yAxis = SVGAxis.linear(covering: [100], include: [0]) }
        let yLabel = replicated ? "pass@1 accuracy (%), mean over seeds, 95% t-interval"
            : "pass@1 accuracy (%), 95% Wilson interval"
        var chart = SVGLineChart(title: title, xLabel: table.x, yLabel: yLabel,
                                 series: series, xAxis: SVGAxis.linear(covering: series.flatMap(\.points).map(\.x)),
                                 yAxis: yAxis)
        chart.dodge = 6
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

    /// Loss on each source's target tokens vs step: one line per (train node, source), each a running mean over
    /// `window` logged steps (a batch holds only a few examples of a minority source, so single steps are noisy).
    /// Nil when no curve records losses per source.
    public static func lossBySource(_ curves: [LossCurve], scale: SVGScale, window: Int = 10) -> SVGLineChart? {
        var series: [SVGSeries] = []
        for curve in curves {
            for source in curve.bySource.keys.sorted() {
                let points = curve.bySource[source] ?? []
                guard !points.isEmpty else { continue }
                var smoothed: [SVGPoint] = []
                var sum = 0.0
                for (i, p) in points.enumerated() {
                    sum += p.loss
                    if i >= window { sum -= points[i - window].loss }
                    smoothed.append(SVGPoint(x: p.step, y: sum / Double(min(i + 1, window))))
                }
                let thinned = LossCurve(name: "", points: smoothed.map { ($0.x, $0.y) }).thinned(to: 300)
                series.append(SVGSeries(name: "\(curve.name) · \(source)", points: thinned.map { SVGPoint(x: $0.step, y: $0.loss) }))
            }
        }
        guard !series.isEmpty else { return nil }
        let losses = series.flatMap(\.points).map(\.y)
        let useLog = scale == .log && losses.allSatisfy { $0 > 0 }
        var chart = SVGLineChart(title: "Training loss per data source", xLabel: "step",
                                 yLabel: "loss on the source's target tokens, mean of \(window) steps" + (useLog ? " (log scale)" : ""),
                                 series: series, xAxis: .linear(covering: series.flatMap(\.points).map(\.x), include: [0]),
                                 yAxis: useLog ? SVGAxis.log(covering: losses) : SVGAxis.linear(covering: losses))
        chart.markers = false
        return chart
    }

    /// How a row is named in notes and category labels.
    static func label(_ row: ReportRow) -> String {
        row.variant == "default" ? row.stage : "\(row.stage) [\(row.variant)]"
    }
}

/// The report's accuracy figure, drawn the way that reads for its rows.
public enum AccuracyFigure: Sendable, Hashable {
    /// Accuracy against a numeric swept parameter, one line per series.
    case lines(SVGLineChart)
    /// One labelled row per evaluated node.
    case forest(SVGForestPlot)

    /// The SVG document.
    public func render() -> String {
        switch self {
        case .lines(let chart): chart.render()
        case .forest(let plot): plot.render()
        }
    }

    /// Lines drawn (a forest plot counts as one).
    public var seriesCount: Int {
        switch self {
        case .lines(let chart): chart.series.count
        case .forest(let plot): plot.rows.isEmpty ? 0 : 1
        }
    }
}

extension ReportCharts {

    /// The points of one series (sorted by x) collapsed to one per x: the mean over the seeds with its 95%
    /// t-interval (no interval for a single seed).
    static func meanOverSeeds(_ points: [SVGPoint]) -> [SVGPoint] {
        var out: [SVGPoint] = []
        var start = 0
        while start < points.count {
            var end = start
            while end < points.count, points[end].x == points[start].x { end += 1 }
            let ys = points[start..<end].map(\.y)
            if let interval = StudentT.meanInterval(ys) {
                out.append(SVGPoint(x: points[start].x, y: interval.mean, low: interval.lower, high: interval.upper))
            } else {
                out.append(SVGPoint(x: points[start].x, y: ys[0]))
            }
            start = end
        }
        return out
    }

    private static func point(_ row: ReportRow, x: Double) -> SVGPoint {
        let y = (row.accuracy ?? 0) * 100
        return SVGPoint(x: x, y: y, low: row.ciLow.map { $0 * 100 }, high: row.ciHigh.map { $0 * 100 })
    }
}
