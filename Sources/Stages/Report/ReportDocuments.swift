import Foundation
import LemaCore

/// The cells of the results table, shared by the Markdown and HTML renderings so both show the same text.
public enum ReportCells {
    /// Column headers.
    public static func header(_ table: ReportTable) -> [String] {
        (table.multipleStages ? ["stage"] : []) + ["variant"] + table.paramColumns
            + ["pass@1 (95% CI)", "n", "no answer"] + table.difficulties.map { "difficulty \($0)" }
    }

    /// One row's cells; missing values show as "–".
    public static func cells(_ row: ReportRow, _ table: ReportTable) -> [String] {
        var out = table.multipleStages ? [row.stage] : []
        out.append(row.variant)
        out += table.paramColumns.map { row.params[$0].map { ReportTable.text($0) } ?? "–" }
        out.append(passAt1(row))
        out.append(row.n.map(String.init) ?? "–")
        out.append(row.noAnswerRate.map(percent) ?? "–")
        out += table.difficulties.map { row.byDifficulty[$0].map(percent) ?? "–" }
        return out
    }

    /// Index of the first right-aligned (numeric) column: pass@1 and everything after it.
    public static func firstNumericColumn(_ table: ReportTable) -> Int {
        header(table).count - 3 - table.difficulties.count
    }

    /// `41.2% [38.0, 44.5]` (accuracy with its 95% Wilson interval, in percent).
    public static func passAt1(_ row: ReportRow) -> String {
        guard let accuracy = row.accuracy else { return "–" }
        guard let low = row.ciLow, let high = row.ciHigh else { return percent(accuracy) }
        return "\(percent(accuracy)) [\(SVGFormat.fixed(low * 100, 1)), \(SVGFormat.fixed(high * 100, 1))]"
    }

    /// A fraction as a percentage with one decimal (`0.4123` → `41.2%`); a non-finite value shows as `0.0%`.
    public static func percent(_ fraction: Double) -> String { SVGFormat.fixed(fraction * 100, 1) + "%" }
}

/// `report.md`: title, the results table, links to the figures and notes.
public enum ReportMarkdown {
    /// `lossMissing` is nil when loss.svg exists, else the sentence saying why there is none.
    public static func render(title: String, table: ReportTable, lossMissing: String?, notes: [String],
                              sections: [ReportSection] = []) -> String {
        var out = "# \(title)\n\n"
        if table.rows.isEmpty {
            out += "No evaluation results were gathered.\n\n"
        } else {
            out += "Pass@1 is greedy-decoding accuracy; the interval is the 95% Wilson score interval.\n\n"
            out += Self.table(header: ReportCells.header(table), rows: table.nodeRows.map { ReportCells.cells($0, table) },
                              firstNumeric: ReportCells.firstNumericColumn(table)) + "\n\n"
        }
        out += "![Accuracy vs \(table.x)](accuracy.svg)\n\n"
        out += sections.filter { !$0.afterLoss }.map(\.markdown).joined()
        out += lossMissing.map { "\($0)\n\n" } ?? "![Training loss](loss.svg)\n\n"
        out += sections.filter(\.afterLoss).map(\.markdown).joined()
        if !notes.isEmpty {
            out += "## Notes\n\n" + notes.map { "- \($0)\n" }.joined() + "\n"
        }
        return out
    }

    /// A Markdown table: header, alignment row (columns from `firstNumeric` on right-aligned), rows; no final
    /// line break.
    public static func table(header: [String], rows: [[String]], firstNumeric: Int) -> String {
        var lines = ["| " + header.map(escape).joined(separator: " | ") + " |"]
        lines.append("|" + header.indices.map { $0 < firstNumeric ? " --- |" : " ---: |" }.joined())
        lines += rows.map { "| " + $0.map(escape).joined(separator: " | ") + " |" }
        return lines.joined(separator: "\n")
    }

    /// Table cells may not contain `|` or line breaks.
    static func escape(_ cell: String) -> String {
        cell.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}

/// `index.html`: one self-contained page (inline CSS and SVG, no scripts, no network) with the table and figures.
public enum ReportHTML {
    /// `lossSVG` nil means no loss figure; `lossMissing` then says why.
    public static func render(title: String, table: ReportTable, accuracySVG: String, lossSVG: String?,
                              lossMissing: String?, notes: [String], sections: [ReportSection] = []) -> String {
        let t = SVGFormat.escape(title)
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(t)</title>
            <style>
            body { font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px; padding: 0 1em; color: #222; }
            table { border-collapse: collapse; margin: 1em 0; }
            th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; }
            th { background: #f3f3f3; text-align: left; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; }
            figure { margin: 1.5em 0; }
            svg { max-width: 100%; height: auto; }
            </style>
            </head>
            <body>
            <h1>\(t)</h1>

            """
        out += "<h2>Results</h2>\n"
        if table.rows.isEmpty {
            out += "<p>No evaluation results were gathered.</p>\n"
        } else {
            out += "<p>Pass@1 is greedy-decoding accuracy; the interval is the 95% Wilson score interval.</p>\n"
            out += Self.table(header: ReportCells.header(table), rows: table.nodeRows.map { ReportCells.cells($0, table) },
                         firstNumeric: ReportCells.firstNumericColumn(table))
        }
        out += "<h2>Accuracy</h2>\n<figure id=\"accuracy\">\n\(accuracySVG)</figure>\n"
        out += sections.filter { !$0.afterLoss }.map(\.html).joined()
        out += "<h2>Training loss</h2>\n"
        if let lossSVG {
            out += "<figure id=\"loss\">\n\(lossSVG)</figure>\n"
        } else {
            out += "<p>\(SVGFormat.escape(lossMissing ?? "No loss figure."))</p>\n"
        }
        out += sections.filter(\.afterLoss).map(\.html).joined()
        if !notes.isEmpty {
            out += "<h2>Notes</h2>\n<ul>\n" + notes.map { "<li>\(SVGFormat.escape($0))</li>\n" }.joined() + "</ul>\n"
        }
        out += "</body>\n</html>\n"
        return out
    }

    /// An HTML table: escaped header and cells, columns from `firstNumeric` on right-aligned (`td.num`).
    static func table(header: [String], rows: [[String]], firstNumeric: Int) -> String {
        var out = "<table>\n<thead><tr>" + header.map { "<th>\(SVGFormat.escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for row in rows {
            out += "<tr>"
            for (i, cell) in row.enumerated() {
                out += (i >= firstNumeric ? "<td class=\"num\">" : "<td>") + SVGFormat.escape(cell) + "</td>"
            }
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }
}

/// `results.json`, the report for programs (`lema run` and `lema report` print its table; a notebook reads its
/// numbers): `{"title", "table": {"header": [..], "rows": [[..]], "first_numeric": k}, "results": [..]}`. `table`
/// is the results table exactly as report.md shows it (one row per evaluated node; columns from `first_numeric`
/// on are right-aligned numbers); `results` has one entry per (stage, variant) with `stage`, `variant`, `params`,
/// `accuracy`, `ci_low`, `ci_high`, `n`, `no_answer` (null when unknown).
public enum ReportResults {
    /// The `results.json` value for `table`, in the shape described above.
    /// `extra` adds top-level keys: `seeds` (`SeedSummary.json`) and `truncation` (`ReportTruncation.json`) when
    /// the run has them.
    public static func json(title: String, table: ReportTable, extra: [String: JSONValue] = [:]) -> JSONValue {
        let header = ReportCells.header(table)
        var object: [String: JSONValue] = [
            "title": .string(title),
            "table": .object([
                "header": .array(header.map(JSONValue.string)),
                "rows": .array(table.nodeRows.map { .array(ReportCells.cells($0, table).map(JSONValue.string)) }),
                "first_numeric": .int(Int64(ReportCells.firstNumericColumn(table))),
            ]),
            "results": .array(table.rows.map(result)),
        ]
        object.merge(extra) { current, _ in current }
        return .object(object)
    }

    /// One (stage, variant) pair's numbers.
    static func result(_ row: ReportRow) -> JSONValue {
        func number(_ d: Double?) -> JSONValue { d.map { .double($0) } ?? .null }
        return .object([
            "stage": .string(row.stage), "variant": .string(row.variant), "params": .object(row.params),
            "accuracy": number(row.accuracy), "ci_low": number(row.ciLow), "ci_high": number(row.ciHigh),
            "n": row.n.map { .int(Int64($0)) } ?? .null, "no_answer": row.noAnswer.map { .int(Int64($0)) } ?? .null,
        ])
    }

    /// The results table as Markdown lines (header, alignment, rows) from a parsed results.json, or nil when the
    /// value does not have that shape.
    public static func markdownTable(_ value: JSONValue) -> String? {
        guard let table = value["table"], let header = table["header"]?.arrayValue?.compactMap(\.stringValue),
              let rows = table["rows"]?.arrayValue, let firstNumeric = table["first_numeric"]?.intValue else { return nil }
        var cells: [[String]] = []
        for row in rows {
            guard let strings = row.arrayValue?.compactMap(\.stringValue) else { return nil }
            cells.append(strings)
        }
        return ReportMarkdown.table(header: header, rows: cells, firstNumeric: firstNumeric)
    }
}
