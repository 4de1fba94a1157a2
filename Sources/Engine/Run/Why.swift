import Foundation

/// The text of `lema why STAGE`: for each node of the stage, the plan's verdict and reason (the very text
/// `lema run --dry-run` and `lema status` show) and, for a node that has not succeeded, the earlier node of the
/// stage the reason was computed against with each fingerprint difference on its own line.
public enum Why {
    /// The explanation for `nodes` (the nodes of one stage), one verdict line each followed by indented detail
    /// lines. `records` are all stored node rows by id and `plan` the planner's decisions for `graph`.
    public static func explain(nodes: [GraphNode], graph: Graph, records: [String: NodeRecord],
                               plan: [String: PlanDecision]) -> String {
        var lines: [String] = []
        let previousByStage = Planner.previousRecords(graph: graph, records: records)
        for node in nodes {
            let label = node.variants.count == graph.variants.count && graph.variants.count > 1
                ? "all variants" : node.variants.joined(separator: ", ")
            let verdict: String
            switch plan[node.id] {
            case .run(let reason)?: verdict = "will run: \(reason)"
            case .skip(let reason)?: verdict = "will be skipped: \(reason)"
            case nil: verdict = "not planned"
            }
            lines.append("\(node.stage) [\(label)] \(node.id.prefix(12)): \(verdict)")
            if records[node.id]?.status == .succeeded { continue }
            guard let closest = Planner.closestEarlier(node: node, previous: previousByStage[node.stage] ?? []) else {
                lines.append("  no earlier run of '\(node.stage)' to compare with: this is a new node")
                continue
            }
            lines.append("  compared with the closest earlier run \(closest.record.id.prefix(12)):")
            guard !closest.differences.isEmpty else {
                lines.append("  nothing in the fingerprint differs")
                continue
            }
            lines += closest.differences.map { "  - \($0)" }
            var upstream: [String] = []
            for stage in FingerprintParts(node: node).changedInputs(from: closest.parts).joined()
            where !upstream.contains(stage) { upstream.append(stage) }
            if let first = upstream.first {
                lines.append("  (run `lema why \(first)` for why \(upstream.joined(separator: ", ")) changed)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
