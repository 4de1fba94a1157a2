import Foundation

/// The text of `lema why STAGE`: for each node of the stage, the plan's verdict and reason (the very text
/// `lema run --dry-run` and `lema status` show) and, for a node that has not succeeded, the earlier node of the
/// stage the reason was computed against with each fingerprint difference on its own line.
public enum Why {
    /// The explanation for `nodes` (the nodes of one stage), one verdict line each followed by indented detail
    /// lines. `records` are all stored node rows by id and `plan` the planner's decisions for `graph`; `jobs` are
    /// the run's cluster jobs: a node whose latest job has not ended is said to wait for it.
    public static func explain(nodes: [GraphNode], graph: Graph, records: [String: NodeRecord],
                               plan: [String: PlanDecision], jobs: [JobRecord] = []) -> String {
        var lines: [String] = []
        var latestJob: [String: JobRecord] = [:]
        for job in jobs where job.attempt >= (latestJob[job.node]?.attempt ?? 0) { latestJob[job.node] = job }
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
            if let job = latestJob[node.id], job.endedAt == nil, records[node.id]?.status != .succeeded {
                lines.append("  waits for its Slurm job \(job.jobID ?? "(being submitted)") (attempt \(job.attempt)): "
                             + (job.reason ?? job.state) + "; `lema run` follows it (never submits the node again)")
            }
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
