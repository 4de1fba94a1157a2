import Foundation
import LemaCore

/// The across-seeds section of the report as table cells, a figure and JSON, shared by report.md, index.html and
/// results.json so all three say the same.
extension SeedSummary {
    /// The paragraph above the table.
    public var explanation: String {
        var text = "Pass@1 per seed, and its mean over the seeds with the 95% t-interval (Student's t, n − 1 degrees "
            + "of freedom; none for a single seed)."
        if let b = baseline {
            text += " Each arm is paired with the baseline **\(arms[b].label)** on the same test questions: Δ is the "
                + "mean per-question difference in pass@1 (percentage points) with its 95% paired-bootstrap interval "
                + "(questions resampled 10,000 times; a question's difference is its mean over the seeds both arms ran), "
                + "and p is McNemar's exact test on the discordant (question, seed) pairs pooled over those seeds "
                + "(b: the arm right and the baseline wrong; c: the reverse)."
        }
        return text
    }

    /// Column headers.
    public var header: [String] {
        ["arm", "seeds", "pass@1 mean (95% t)", "per seed"]
            + (baseline == nil ? [] : ["Δ vs baseline (95% bootstrap)", "McNemar p (b/c)"])
    }

    /// Index of the first right-aligned column.
    public var firstNumericColumn: Int { 1 }

    /// One row of cells per arm.
    public var cells: [[String]] {
        arms.indices.map { i in
            let arm = arms[i]
            let seedText = arm.seeds == [nil] ? "shared" : arm.seeds.compactMap { $0.map(String.init) }.joined(separator: ", ")
            var row = [arm.label + (i == baseline ? " (baseline)" : ""), seedText, meanText(arm),
                       arm.accuracies.map { SVGFormat.fixed($0 * 100, 1) }.joined(separator: " / ")]
            if baseline != nil {
                if let c = comparisons[i] {
                    row.append(Self.points(c.difference) + " [" + Self.points(c.low) + ", " + Self.points(c.high) + "]")
                    row.append(Self.pValue(c.pValue) + " (\(c.b)/\(c.c))")
                } else {
                    row += i == baseline ? ["—", "—"] : ["–", "–"]
                }
            }
            return row
        }
    }

    private func meanText(_ arm: SeedArm) -> String {
        let mean = SVGFormat.fixed(arm.mean * 100, 1) + "%"
        guard let low = arm.ciLow, let high = arm.ciHigh else { return mean }
        return mean + " [" + SVGFormat.fixed(low * 100, 1) + ", " + SVGFormat.fixed(high * 100, 1) + "]"
    }

    /// A difference in accuracy as signed percentage points: "+3.2", "−1.0".
    static func points(_ difference: Double) -> String {
        let value = difference * 100
        let text = SVGFormat.fixed(abs(value), 1)
        if text == "0.0" { return "0.0" }
        return (value < 0 ? "−" : "+") + text
    }

    /// "0.034", or "<0.001".
    static func pValue(_ p: Double) -> String { p < 0.001 ? "<0.001" : SVGFormat.fixed(p, 3) }

    /// The forest plot: one row per arm (mean over seeds, t-interval), the baseline's mean as the reference line.
    public func figure(title: String) -> SVGForestPlot {
        let rows = arms.indices.map { i in
            let arm = arms[i]
            let n = arm.seeds == [nil] ? "shared" : "\(arm.seeds.count) seed\(arm.seeds.count == 1 ? "" : "s")"
            return SVGForestPlot.Row(label: arm.label + " (\(n))" + (i == baseline ? " · baseline" : ""),
                                     value: arm.mean * 100, low: arm.ciLow.map { $0 * 100 }, high: arm.ciHigh.map { $0 * 100 })
        }
        return SVGForestPlot(title: title + " — mean over seeds",
                             axisLabel: "pass@1 accuracy (%), mean over seeds, 95% t-interval", rows: rows, reference: baseline)
    }

    /// `{"baseline": label|null, "arms": [{stage, point, label, seeds, accuracies, mean, ci_low, ci_high,
    /// vs_baseline: {difference, ci_low, ci_high, seeds, questions, b, c, mcnemar_p} | null}]}`; accuracies and
    /// differences as fractions.
    public var json: JSONValue {
        func number(_ d: Double?) -> JSONValue { d.map { .double($0) } ?? .null }
        return .object([
            "baseline": baseline.map { .string(arms[$0].label) } ?? .null,
            "arms": .array(arms.indices.map { i in
                let arm = arms[i]
                let comparison: JSONValue = comparisons[i].map { c in
                    .object(["difference": .double(c.difference), "ci_low": .double(c.low), "ci_high": .double(c.high),
                             "seeds": .int(Int64(c.seeds)), "questions": .int(Int64(c.questions)),
                             "b": .int(Int64(c.b)), "c": .int(Int64(c.c)), "mcnemar_p": .double(c.pValue)])
                } ?? .null
                return .object([
                    "stage": .string(arm.stage), "point": .string(arm.point), "label": .string(arm.label),
                    "seeds": .array(arm.seeds.map { $0.map { .int(Int64($0)) } ?? .null }),
                    "accuracies": .array(arm.accuracies.map(JSONValue.double)),
                    "mean": .double(arm.mean), "ci_low": number(arm.ciLow), "ci_high": number(arm.ciHigh),
                    "vs_baseline": comparison,
                ])
            }),
        ])
    }
}
