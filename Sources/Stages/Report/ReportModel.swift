import Foundation
import LemaCore
import StageAPI

/// One evaluated (stage, variant) pair: the numbers of an `evaluate` node's summary, seen from one sweep variant.
/// A node shared by several variants gives one row per variant (each variant's curve needs the point).
public struct ReportRow: Sendable, Hashable {
    /// The stage the row comes from.
    public var stage: String
    /// The evaluated node's fingerprint (rows of one shared node have the same).
    public var node: String = ""
    /// The sweep variant the row belongs to (or several, merged).
    public var variant: String
    /// The variant's sweep parameters.
    public var params: [String: JSONValue]
    /// pass@1 accuracy in [0, 1].
    public var accuracy: Double?
    /// Lower end of the 95% Wilson interval of `accuracy`, in [0, 1].
    public var ciLow: Double?
    /// Upper end of the 95% Wilson interval of `accuracy`, in [0, 1].
    public var ciHigh: Double?
    /// Questions evaluated.
    public var n: Int?
    /// Questions whose output had no extractable answer.
    public var noAnswer: Int?
    /// Difficulty (as written in the summary) → accuracy.
    public var byDifficulty: [String: Double]
    /// The split evaluated.
    public var split: String?
    /// Under `replicates:`: the sweep point this row's variant replicates, and its seed (nil otherwise).
    public var replicateOf: String?
    public var seed: Int?
    /// The evaluated node's per-question answers (`predictions.jsonl`), for paired comparisons.
    public var predictions: URL?

    /// The sweep point the row belongs to: the one its variant replicates, else the variant itself.
    public var point: String { replicateOf ?? variant }

    /// No-answer rate, when both counts are known and n > 0.
    public var noAnswerRate: Double? {
        guard let n, n > 0, let noAnswer else { return nil }
        return Double(noAnswer) / Double(n)
    }
}

/// The rows of a report and the column choices derived from them (pure; built from gathered inputs).
public struct ReportTable: Sendable, Hashable {
    /// One row per (evaluated node, variant), in the order `build` describes.
    public var rows: [ReportRow]
    /// The sweep parameter on the x axis.
    public var x: String
    /// The sweep parameter whose values get separate lines.
    public var series: String
    /// Swept parameter columns: `x` and `series` when some row sets them, then by name the others whose value differs
    /// between rows.
    public var paramColumns: [String]
    /// Difficulty columns, numerically sorted when they are numbers.
    public var difficulties: [String]
    /// Whether rows come from more than one stage (then the stage is shown and separates lines).
    public var multipleStages: Bool

    /// Builds rows from `evaluate` inputs. Each input's `summary["_variants"]` (`[{name, params}]`) says which
    /// variants it belongs to; without it the input counts as one variant named `default` with no parameters.
    /// Row order: stage (first appearance), series value (first appearance), x (ascending, missing last), sweep
    /// point (so the seeds of one point stay together), variant.
    public static func build(_ inputs: [InputArtifact], x: String, series: String) -> ReportTable {
        var rows: [ReportRow] = []
        for input in inputs {
            let s = input.summary
            var base = ReportRow(stage: input.stage, node: input.fingerprint, variant: "default", params: [:],
                                 accuracy: s["accuracy"]?.doubleValue, ciLow: s["ci_low"]?.doubleValue,
                                 ciHigh: s["ci_high"]?.doubleValue, n: s["n"]?.intValue,
                                 noAnswer: s["no_answer"]?.intValue,
                                 byDifficulty: (s["by_difficulty"]?.objectValue ?? [:]).compactMapValues {
                                     $0.doubleValue ?? $0["accuracy"]?.doubleValue  // a number, or {accuracy, n, …}
                                 },
                                 split: s["split"]?.stringValue, predictions: input.artifacts["predictions"])
            if base.ciLow == nil || base.ciHigh == nil, let accuracy = base.accuracy, let n = base.n, n > 0 {
                // Older or foreign summaries without an interval: recompute the Wilson interval from accuracy and n.
                (base.ciLow, base.ciHigh) = wilsonInterval(successes: accuracy * Double(n), n: n)
            }
            let variants = s["_variants"]?.arrayValue ?? []
            if variants.isEmpty { rows.append(base); continue }
            for (k, v) in variants.enumerated() {
                var row = base
                row.variant = v["name"]?.stringValue ?? "variant \(k + 1)"
                row.params = v["params"]?.objectValue ?? [:]
                row.replicateOf = v["replicate_of"]?.stringValue
                row.seed = v["seed"]?.intValue
                rows.append(row)
            }
        }
        let stageOrder = firstAppearance(rows.map(\.stage))
        let seriesOrder = firstAppearance(rows.map { Self.text($0.params[series]) })
        let variantOrder = firstAppearance(rows.map(\.variant))
        let pointOrder = firstAppearance(rows.map(\.point))  // keeps a point's seeds together
        let sorted = rows.enumerated().sorted { a, b in
            let ka = (stageOrder[a.element.stage] ?? 0, seriesOrder[text(a.element.params[series])] ?? 0)
            let kb = (stageOrder[b.element.stage] ?? 0, seriesOrder[text(b.element.params[series])] ?? 0)
            if ka != kb { return ka < kb }
            let xa = number(a.element.params[x]) ?? .infinity, xb = number(b.element.params[x]) ?? .infinity
            if xa != xb { return xa < xb }
            let pa = pointOrder[a.element.point] ?? 0, pb = pointOrder[b.element.point] ?? 0
            if pa != pb { return pa < pb }
            let va = variantOrder[a.element.variant] ?? 0, vb = variantOrder[b.element.variant] ?? 0
            return va != vb ? va < vb : a.offset < b.offset
        }.map(\.element)

        let keys = Set(sorted.flatMap(\.params.keys))
        // Besides x and series, only parameters that differ between rows get a column: one that is the same
        // everywhere (an endpoint URL, a file path) tells the reader nothing and widens the table.
        let varying = keys.subtracting([x, series]).filter { key in Set(sorted.map { text($0.params[key]) }).count > 1 }
        let paramColumns = [x, series].filter(keys.contains) + varying.sorted()
        let difficulties = Set(sorted.flatMap(\.byDifficulty.keys)).sorted { a, b in
            switch (Double(a), Double(b)) {
            case let (da?, db?): da != db ? da < db : a < b
            case (.some, nil): true
            case (nil, .some): false
            default: a < b
            }
        }
        return ReportTable(rows: sorted, x: x, series: series, paramColumns: paramColumns, difficulties: difficulties,
                           multipleStages: Set(sorted.map(\.stage)).count > 1)
    }

    /// The rows as a results table shows them: one per evaluated node. Rows of a node shared by several variants
    /// (the base model's evaluation in a sweep) become one row whose variant cell names them all ("all variants"
    /// when it is every variant of the table) and whose parameters are those the variants agree on.
    public var nodeRows: [ReportRow] {
        let allVariants = Set(rows.map(\.variant))
        let allPoints = Set(rows.map(\.point))
        var merged: [ReportRow] = []
        var members: [[ReportRow]] = []
        var index: [String: Int] = [:]
        for row in rows {
            let key = row.stage + "\u{0}" + row.node
            if row.node.isEmpty || index[key] == nil {
                if !row.node.isEmpty { index[key] = merged.count }
                merged.append(row)
                members.append([row])
            } else if let k = index[key] {
                members[k].append(row)
            }
        }
        for k in merged.indices where members[k].count > 1 {
            let group = members[k]
            let names = group.map(\.variant)
            let seeds = Set(group.map(\.seed))
            if allPoints.count > 1, Set(group.map(\.point)) == allPoints, seeds.count == 1, let seed = group[0].seed {
                merged[k].variant = "all variants,seed=\(seed)"  // e.g. the base model's evaluation of one seed
            } else {
                merged[k].variant = allVariants.count > 1 && Set(names) == allVariants
                    ? "all variants" : names.joined(separator: ", ")
            }
            merged[k].params = merged[k].params.filter { key, value in group.allSatisfy { $0.params[key] == value } }
        }
        return merged
    }

    /// The name of a row's line in the accuracy chart: its series value, prefixed by the stage when several
    /// stages are reported; "all" when no row sets the series parameter.
    public func seriesName(_ row: ReportRow) -> String {
        let value = row.params[series].map { Self.text($0) }
        switch (multipleStages, value) {
        case (true, let v?): return "\(row.stage) · \(v)"
        case (true, nil): return row.stage
        case (false, let v?): return v
        case (false, nil): return "all"
        }
    }

    /// A parameter value as table text: strings bare, whole numbers without ".0" (a ratio of 1 reads "1"), other
    /// values as canonical JSON; missing as "".
    public static func text(_ value: JSONValue?) -> String {
        guard let value else { return "" }
        if let s = value.stringValue { return s }
        if case .double(let d) = value, d.rounded() == d, abs(d) < 1e15 { return String(Int64(d)) }
        return value.canonicalText
    }

    /// A parameter value as a number (numbers, or strings that parse as one).
    public static func number(_ value: JSONValue?) -> Double? {
        guard let value else { return nil }
        if let d = value.doubleValue { return d.isFinite ? d : nil }
        if let s = value.stringValue, let d = Double(s), d.isFinite { return d }
        return nil
    }

    private static func firstAppearance(_ items: [String]) -> [String: Int] {
        var order: [String: Int] = [:]
        for item in items where order[item] == nil { order[item] = order.count }
        return order
    }

    /// The 95% Wilson score interval for `successes` out of `n` trials.
    public static func wilsonInterval(successes: Double, n: Int) -> (low: Double, high: Double) {
        let z = 1.959963984540054, count = Double(n), p = successes / count
        let denominator = 1 + z * z / count
        let center = (p + z * z / (2 * count)) / denominator
        let half = z * (p * (1 - p) / count + z * z / (4 * count * count)).squareRoot() / denominator
        return (max(0, center - half), min(1, center + half))
    }
}
