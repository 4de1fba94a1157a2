import Foundation

/// The text of `lema why STAGE`: for each node of the stage, the plan's verdict and reason (the very text
/// `lema run --dry-run` and `lema status` show) and, for a node that has not succeeded, the earlier node of the
/// stage the reason was computed against with each fingerprint difference on its own line.
public enum Why {
    public static func explain(nodes: [GraphNode], graph: Graph, records: [String: NodeRecord],
                               plan: [String: PlanDecision]) -> String {
        var lines: [String] = []
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
            let earlier = Planner.earlierRecords(of: node, graph: graph, records: records)
            guard let closest = Planner.closestEarlier(node: node, previous: earlier) else {
                lines.append("  no earlier run of '\(node.stage)' to compare with: this is a new node")
                continue
            }
            lines.append("  compared with the closest earlier run \(closest.record.id.prefix(12)):")
            guard !closest.differences.isEmpty else {
                lines.append("  nothing in the fingerprint differs")
                continue
            }
            lines += closest.differences.map { "  - \($0)" }
            let upstream = Self.changedUpstreamStages(node: node, comparedWith: closest.record)
            if let first = upstream.first {
                lines.append("  (run `lema why \(first)` for why \(upstream.joined(separator: ", ")) changed)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Stages feeding `node` whose fingerprints differ from those `record` was computed from, in input order.
    private static func changedUpstreamStages(node: GraphNode, comparedWith record: NodeRecord) -> [String] {
        guard let old = FingerprintParts(componentsText: record.components) else { return [] }
        var stages: [String] = []
        for (parameter, edges) in node.inputs.sorted(by: { $0.key < $1.key }) {
            let before = old.inputs[parameter] ?? []
            for (k, edge) in edges.enumerated() where k >= before.count || before[k] != edge.nodeID {
                if !stages.contains(edge.stage) { stages.append(edge.stage) }
            }
        }
        return stages
    }
}
