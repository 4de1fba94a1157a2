import Foundation
import LemaCore
import StageAPI

/// `report`: gathers `evaluate` nodes (and optionally `train` nodes) across all sweep variants and writes
/// `report.md` (results table), `accuracy.svg` (accuracy vs `x`, one line per `series` value, 95% interval bars;
/// without a numeric `x`, a forest plot with one labelled row per evaluated node),
/// `loss.svg` (training loss curves; only when some curve has points) and `index.html` (all of it on one
/// self-contained page). Output bytes are a pure function of the inputs (no timestamps, fixed number formats).
///
/// Artifacts: `report` (report.md), `accuracy` (accuracy.svg), `loss` (loss.svg, when drawn), `index` (index.html),
/// `results` (results.json: the results table and the numbers per variant, for programs — see `ReportResults`);
/// under `replicates:` also `seeds` (seeds.svg: mean over seeds per arm with t-intervals, the `baseline` marked;
/// the table and paired comparisons are in report.md — see `SeedSummary`), and `loss_by_source`
/// (loss_by_source.svg) when the training runs recorded loss per data source.
/// Summary: `rows`, `series`, `loss_curves`, and `results` (per row: stage, variant, accuracy, ci_low, ci_high, n).
public struct ReportKind: StageKind {
    /// The kind; it keeps no state between nodes.
    public init() {}

    /// The kind's name in specs.
    public var name: String { "report" }
    /// 2: a node shared by several variants is one row of the results table. 3: across-seeds aggregation and paired
    /// comparisons, truncation table, loss per data source.
    public var version: Int { 3 }
    /// A few charts and tables from files the controller has: not worth a job's queue wait.
    public var placement: KindPlacement { .local }
    /// One sentence for `lema kinds` and the spec reference.
    public var summary: String {
        "Tables and SVG figures (accuracy vs a swept parameter, training loss) across all sweep variants."
    }

    /// The keys the kind accepts, with types, defaults and docs (docs/spec.md is generated from them).
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("evaluations", .gather, default: nil,
                          doc: "The evaluate stages to report; gathered from every sweep variant."),
            ParameterSpec("training", .gather, default: .array([]),
                          doc: "Train stages whose `loss` artifacts (loss.jsonl) are drawn in loss.svg; gathered from every variant. Empty: no loss figure."),
            ParameterSpec("x", .string, default: .string("ratio"),
                          doc: "Sweep parameter on the accuracy figure's numeric x axis; when no variant sets it, the figure is a forest plot: one row per evaluated node, the node all variants share as the reference line."),
            ParameterSpec("series", .string, default: .string("mode"),
                          doc: "Sweep parameter whose values get separate lines (one line when no variant sets it)."),
            ParameterSpec("title", .string, default: .string("LeMa experiment"),
                          doc: "Heading of report.md and index.html, and the accuracy figure's title."),
            ParameterSpec("endpoints", .gather, default: .array([]),
                          doc: "Stages that called model endpoints (`sample`, `correct`, `evaluate` with `endpoint`) whose requests, cache hits, tokens and estimated cost are listed; gathered from every variant."),
            ParameterSpec("baseline", .string, default: .string(""),
                          doc: "Under `replicates:`, the arm every other arm is paired with (McNemar's exact test and a paired-bootstrap interval of the difference, pooled over seeds as docs/spec.md describes): its label (`evaluate [mode=cot-only]`), sweep point (`mode=cot-only`) or stage (when that stage has one arm). Empty: no comparisons."),
            ParameterSpec("loss_scale", .choice([SVGScale.log.rawValue, SVGScale.linear.rawValue]), default: .string("log"),
                          doc: "Y scale of loss.svg; 'log' falls back to linear when a loss is ≤ 0."),
        ]
    }

    /// `endpoints` joined later: left out while empty, so earlier runs keep their report node.
    public func fingerprinted(_ params: [String: JSONValue]) -> [String: JSONValue] {
        guard params["endpoints"]?.arrayValue?.isEmpty == true else { return params }
        var out = params
        out["endpoints"] = nil
        return out
    }

    /// Checks that span several parameters; each problem names the parameter and the fix.
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

    /// Runs one node of this kind: its artifacts and summary are described on the type.
    public func run(_ context: any StageContext) throws -> StageOutcome {
        if let problem = validate(context.params).first {
            throw StageFailure("stage '\(context.stageName)': parameter '\(problem.parameter)': \(problem.message)",
                               retryable: false)
        }
        let values = ParameterValues(context.params, specs: parameters, stage: context.stageName)
        let report = ReportFiles.build(evaluations: context.inputs("evaluations"), training: context.inputs("training"),
                                       x: try values.string("x"), series: try values.string("series"),
                                       title: try values.string("title"),
                                       lossScale: SVGScale(rawValue: try values.string("loss_scale")) ?? .log,
                                       endpoints: context.inputs("endpoints"), baseline: try values.string("baseline"))
        if context.isCancelled { throw StageCancelled() }

        let out = context.outputDirectory
        for (name, text) in report.files.sorted(by: { $0.key < $1.key }) {
            try AtomicFile.write(Data(text.utf8), to: out.appendingPathComponent(name))
        }
        // A rerun in the same directory must not leave an earlier attempt's optional figure behind.
        for optional in ["loss.svg", "seeds.svg", "loss_by_source.svg"] where report.files[optional] == nil {
            try? FileManager.default.removeItem(at: out.appendingPathComponent(optional))
        }
        context.progress(done: 1, total: 1, note: "\(report.table.rows.count) rows")
        context.log("report: \(report.table.rows.count) rows → \(out.appendingPathComponent("index.html").path)")
        return StageOutcome(artifacts: report.artifacts, summary: report.summary)
    }
}

/// Everything `report` writes, computed without touching the disk (so `lema report SPEC` can build the same
/// files from a finished run's store without a `StageContext`).
public struct ReportFiles: Sendable {
    /// File name → contents: report.md, accuracy.svg, index.html, results.json, and loss.svg when a loss curve has
    /// points.
    public var files: [String: String]
    /// Artifact name → file name (`report`, `accuracy`, `loss` when drawn, `index`, `results`).
    public var artifacts: [String: String]
    /// The node summary the report stage records.
    public var summary: [String: JSONValue]
    /// The results table.
    public var table: ReportTable

    /// Builds the report from gathered `evaluate` inputs and (optionally) `train` inputs.
    public static func build(evaluations: [InputArtifact], training: [InputArtifact], x: String, series: String,
                             title: String, lossScale: SVGScale, endpoints: [InputArtifact] = [],
                             baseline: String = "") -> ReportFiles {
        let table = ReportTable.build(evaluations, x: x, series: series)
        let (accuracyChart, accuracyNotes) = ReportCharts.accuracy(table, title: title)
        let (curves, lossNotes) = LossCurve.read(training)
        let lossChart = ReportCharts.loss(curves, scale: lossScale)
        let lossMissing: String? = lossChart != nil ? nil
            : training.isEmpty ? "No training runs were gathered, so there is no loss figure."
            : "None of the gathered training runs has loss points, so there is no loss figure."
        let seeds = SeedSummary.build(table, baseline: baseline)
        let notes = accuracyNotes + (seeds?.notes ?? []) + lossNotes + endpoints.compactMap(endpointUsage)

        var sections: [ReportSection] = []
        var extraFiles: [String: String] = [:]
        var extraJSON: [String: JSONValue] = [:]
        if let seeds {
            let svg = seeds.figure(title: title).render()
            extraFiles["seeds.svg"] = svg
            extraJSON["seeds"] = seeds.json
            sections.append(ReportSection(heading: "Across seeds", paragraph: seeds.explanation, header: seeds.header,
                                          rows: seeds.cells, firstNumeric: seeds.firstNumericColumn,
                                          figureFile: "seeds.svg", figureSVG: svg))
        }
        if let chart = ReportCharts.lossBySource(curves, scale: lossScale) {
            let svg = chart.render()
            extraFiles["loss_by_source.svg"] = svg
            sections.append(ReportSection(
                heading: "Training loss per data source",
                paragraph: "The loss on the target tokens of each kind of training example (CoT solutions, corrections, …), "
                    + "so the reader sees what the fine-tuning spends its steps on.",
                figureFile: "loss_by_source.svg", figureSVG: svg, afterLoss: true))
        }
        if let truncation = ReportTruncation.section(training) {
            sections.append(truncation)
            extraJSON["truncation"] = ReportTruncation.json(training)
        }

        let accuracySVG = accuracyChart.render()
        let lossSVG = lossChart?.render()
        var files = [
            "accuracy.svg": accuracySVG,
            "report.md": ReportMarkdown.render(title: title, table: table, lossMissing: lossMissing, notes: notes,
                                               sections: sections),
            "index.html": ReportHTML.render(title: title, table: table, accuracySVG: accuracySVG, lossSVG: lossSVG,
                                            lossMissing: lossMissing, notes: notes, sections: sections),
        ]
        files["results.json"] = ReportResults.json(title: title, table: table, extra: extraJSON).canonicalText + "\n"
        var artifacts = ["report": "report.md", "accuracy": "accuracy.svg", "index": "index.html",
                         "results": "results.json"]
        for (file, text) in extraFiles {
            files[file] = text
            artifacts[String(file.dropLast(4))] = file  // seeds, loss_by_source
        }
        if let lossSVG {
            files["loss.svg"] = lossSVG
            artifacts["loss"] = "loss.svg"
        }
        let summary: [String: JSONValue] = [
            "rows": .int(Int64(table.rows.count)),
            "series": .int(Int64(accuracyChart.seriesCount)),
            "loss_curves": .int(Int64(curves.filter { !$0.points.isEmpty }.count)),
            "results": .array(table.rows.map(ReportResults.result)),
        ]
        return ReportFiles(files: files, artifacts: artifacts, summary: summary, table: table)
    }

    /// One line on a stage's model-endpoint calls, from its summary (nil for a stage that made none).
    static func endpointUsage(_ input: InputArtifact) -> String? {
        let s = input.summary
        guard let sent = s["requests_sent"]?.intValue else { return nil }
        var line = "Endpoint usage of \(input.stage) (\(s["endpoint_model"]?.stringValue ?? "?")): \(sent) requests sent, "
            + "\(s["cache_hits"]?.intValue ?? 0) answered from the cache, \(s["prompt_tokens"]?.intValue ?? 0) prompt + "
            + "\(s["completion_tokens"]?.intValue ?? 0) completion tokens"
        if let cost = s["cost_usd"]?.doubleValue { line += ", estimated $" + SVGFormat.fixed(cost, 4) }
        let faults = ["rate_limited", "server_errors", "timeouts", "malformed", "transport_errors"]
            .compactMap { key in s[key]?.intValue.flatMap { $0 > 0 ? "\($0) \(key.replacingOccurrences(of: "_", with: " "))" : nil } }
        if !faults.isEmpty { line += "; retried: " + faults.joined(separator: ", ") }
        return line + "."
    }
}
