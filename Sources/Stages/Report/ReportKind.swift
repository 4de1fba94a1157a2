import Foundation
import LemaCore
import StageAPI

/// `report`: gathers `evaluate` nodes (and optionally `train` nodes) across all sweep variants and writes
/// `report.md` (results table), `accuracy.svg` (accuracy vs `x`, one line per `series` value, 95% interval bars),
/// `loss.svg` (training loss curves; only when some curve has points) and `index.html` (all of it on one
/// self-contained page). Output bytes are a pure function of the inputs (no timestamps, fixed number formats).
///
/// Artifacts: `report` (report.md), `accuracy` (accuracy.svg), `loss` (loss.svg, when drawn), `index` (index.html).
/// Summary: `rows`, `series`, `loss_curves`, and `results` (per row: stage, variant, accuracy, ci_low, ci_high, n).
public struct ReportKind: StageKind {
    public init() {}

    public var name: String { "report" }
    public var version: Int { 1 }
    public var summary: String {
        "Tables and SVG figures (accuracy vs a swept parameter, training loss) across all sweep variants."
    }

    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("evaluations", .gather, default: nil,
                          doc: "The evaluate stages to report; gathered from every sweep variant."),
            ParameterSpec("training", .gather, default: .array([]),
                          doc: "Train stages whose `loss` artifacts (loss.jsonl) are drawn in loss.svg; gathered from every variant. Empty: no loss figure."),
            ParameterSpec("x", .string, default: .string("ratio"),
                          doc: "Sweep parameter on the accuracy figure's numeric x axis; when no variant sets it, evaluations are shown side by side."),
            ParameterSpec("series", .string, default: .string("mode"),
                          doc: "Sweep parameter whose values get separate lines (one line when no variant sets it)."),
            ParameterSpec("title", .string, default: .string("LeMa experiment"),
                          doc: "Heading of report.md and index.html, and the accuracy figure's title."),
            ParameterSpec("loss_scale", .choice([SVGScale.log.rawValue, SVGScale.linear.rawValue]), default: .string("log"),
                          doc: "Y scale of loss.svg; 'log' falls back to linear when a loss is ≤ 0."),
        ]
    }

    public func validate(_ params: [String: JSONValue]) -> [ParameterProblem] {
        var problems: [ParameterProblem] = []
        let values = ParameterValues(params, specs: parameters, stage: name)
        if let x = try? values.string("x"), x.isEmpty {
            problems.append(.init(parameter: "x", message: "name the sweep parameter for the x axis, e.g. ratio"))
        }
        if let x = try? values.string("x"), let series = try? values.string("series"), !x.isEmpty, x == series {
            problems.append(.init(parameter: "series", message: "must differ from x ('\(x)'); lines would have one point each"))
        }
        return problems
    }

    public func run(_ context: any StageContext) throws -> StageOutcome {
        if let problem = validate(context.params).first {
            throw StageFailure("stage '\(context.stageName)': parameter '\(problem.parameter)': \(problem.message)",
                               retryable: false)
        }
        let values = ParameterValues(context.params, specs: parameters, stage: context.stageName)
        let title = try values.string("title")
        let scale = SVGScale(rawValue: try values.string("loss_scale")) ?? .log
        let evaluations = context.inputs("evaluations")
        let training = context.inputs("training")

        let table = ReportTable.build(evaluations, x: try values.string("x"), series: try values.string("series"))
        let (accuracyChart, accuracyNotes) = ReportCharts.accuracy(table, title: title)
        let (curves, lossNotes) = LossCurve.read(training)
        let lossChart = ReportCharts.loss(curves, scale: scale)
        let lossMissing: String? = lossChart != nil ? nil
            : training.isEmpty ? "No training runs were gathered, so there is no loss figure."
            : "None of the gathered training runs has loss points, so there is no loss figure."
        let notes = accuracyNotes + lossNotes
        if context.isCancelled { throw StageCancelled() }

        let accuracySVG = accuracyChart.render()
        let lossSVG = lossChart?.render()
        let out = context.outputDirectory
        var artifacts = ["report": "report.md", "accuracy": "accuracy.svg", "index": "index.html"]
        try write(accuracySVG, out, "accuracy.svg")
        if let lossSVG {
            try write(lossSVG, out, "loss.svg")
            artifacts["loss"] = "loss.svg"
        } else {
            // A rerun in the same directory must not leave an earlier attempt's figure behind.
            try? FileManager.default.removeItem(at: out.appendingPathComponent("loss.svg"))
        }
        try write(ReportMarkdown.render(title: title, table: table, lossMissing: lossMissing, notes: notes), out, "report.md")
        try write(ReportHTML.render(title: title, table: table, accuracySVG: accuracySVG, lossSVG: lossSVG,
                                    lossMissing: lossMissing, notes: notes), out, "index.html")
        context.progress(done: 1, total: 1, note: "\(table.rows.count) rows, \(accuracyChart.series.count) series")
        context.log("report: \(table.rows.count) rows, \(curves.count) loss curves → \(out.appendingPathComponent("index.html").path)")

        return StageOutcome(artifacts: artifacts, summary: [
            "rows": .int(Int64(table.rows.count)),
            "series": .int(Int64(accuracyChart.series.count)),
            "loss_curves": .int(Int64(curves.filter { !$0.points.isEmpty }.count)),
            "results": .array(table.rows.map(Self.result)),
        ])
    }

    private func write(_ text: String, _ directory: URL, _ file: String) throws {
        try AtomicFile.write(Data(text.utf8), to: directory.appendingPathComponent(file))
    }

    private static func result(_ row: ReportRow) -> JSONValue {
        func number(_ d: Double?) -> JSONValue { d.map { .double($0) } ?? .null }
        return .object([
            "stage": .string(row.stage), "variant": .string(row.variant),
            "accuracy": number(row.accuracy), "ci_low": number(row.ciLow), "ci_high": number(row.ciHigh),
            "n": row.n.map { .int(Int64($0)) } ?? .null,
        ])
    }
}
