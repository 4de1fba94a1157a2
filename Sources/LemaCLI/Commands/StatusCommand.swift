import ArgumentParser
import Engine
import Foundation

/// `lema status SPEC`: one row per node — stage, variants, state, items, duration, reason.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the state of every stage of a pipeline run (works during a run and after a crash).")

    @OptionGroup var pipeline: PipelineOptions

    func run() throws {
        let graph = try pipeline.compile()
        let store = try pipeline.openStore(for: graph, mustExist: true)
        defer { try? store.close() }
        let records = try store.nodeRecords()
        let onDisk = Planner.checkingArtifacts(records, of: graph, in: pipeline.runDirectory(for: graph))
        let plan = Planner.plan(graph: graph, records: onDisk, only: [])
        print(StatusReport.render(graph: graph, records: records, plan: plan, lockOwner: try store.currentLockOwner()))
        let usage = try store.responseUsage()
        if !usage.isEmpty { print("\n" + EndpointUsageReport.render(graph: graph, usage: usage)) }
    }
}

/// Renders the status table; separate from the command so tests can check its text.
enum StatusReport {
    static func render(graph: Graph, records: [String: NodeRecord], plan: [String: PlanDecision],
                       lockOwner: LockOwner?) -> String {
        var table = TextTable(["STAGE", "VARIANTS", "STATE", "ITEMS", "DURATION", "REASON"])
        let allVariants = graph.variants.count
        for node in graph.nodes {
            let record = records[node.id]
            let variants = node.variants.count == allVariants && allVariants > 1 ? "all"
                : node.variants.joined(separator: " ")
            let state: String
            let reason: String
            switch (record?.status, plan[node.id]) {
            case (.succeeded?, .skip(let why)?):
                (state, reason) = ("done", record?.reason.map { "ran: \($0)" } ?? why)
            case (.running?, _):
                (state, reason) = ("running", record?.progressNote ?? "pid \(record?.ownerPID.map(String.init) ?? "?")")
            case (.some(let status), let decision):
                state = status.rawValue
                reason = record?.error.map { "error: \(firstLine($0))" } ?? record?.reason ?? decision?.reason ?? ""
            case (nil, let decision): (state, reason) = ("not run", decision?.reason ?? "")
            }
            table.add([node.stage, variants, state, items(record), duration(record), reason + truncationNote(record)])
        }
        var out = "pipeline \(graph.pipelineName): \(graph.nodes.count) nodes, \(allVariants) variant"
            + (allVariants == 1 ? "" : "s")
        if let owner = lockOwner { out += " — running as pid \(owner.pid) since \(owner.since)" }
        return out + "\n" + table.render()
    }

    private static func items(_ record: NodeRecord?) -> String {
        guard let record, record.progressDone > 0 || record.progressTotal != nil else { return "" }
        if let total = record.progressTotal { return "\(record.progressDone)/\(total)" }
        return "\(record.progressDone)"
    }

    private static func duration(_ record: NodeRecord?) -> String {
        guard let start = record?.startedAt else { return "" }
        let end = record?.finishedAt ?? Date()
        return formatDuration(end.timeIntervalSince(start))
    }

    /// " — context cut 412 examples (correction 400, cot 12)" for a train node whose summary counts examples
    /// longer than its context; empty otherwise.
    static func truncationNote(_ record: NodeRecord?) -> String {
        guard let summary = record?.summary, let total = summary["truncated_examples"]?.intValue, total > 0 else { return "" }
        var bySource: [(source: String, count: Int)] = []
        for (source, counts) in summary["truncation"]?.objectValue ?? [:] {
            if let n = counts["truncated"]?.intValue, n > 0 { bySource.append((source, n)) }
        }
        bySource.sort { a, b in a.count != b.count ? a.count > b.count : a.source < b.source }
        let parts: [String] = bySource.map { "\($0.source) \($0.count)" }
        let plural = total == 1 ? "" : "s"
        let detail = parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")"
        return " — context cut \(total) example\(plural)" + detail
    }

    private static func firstLine(_ s: String) -> String {
        String(s.split(separator: "\n", maxSplits: 1).first ?? "")
    }
}

extension PlanDecision {
    var reason: String {
        switch self {
        case .run(let r), .skip(let r): r
        }
    }
}
