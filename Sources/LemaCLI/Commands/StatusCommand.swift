import ArgumentParser
import Engine
import Foundation
import Slurm

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
        let lockOwner = try store.currentLockOwner()
        var jobs = try store.allJobs()
        var note: String?
        if lockOwner == nil { (jobs, note) = LiveJobs.overlay(jobs) }
        print(StatusReport.render(graph: graph, records: records, plan: plan, lockOwner: lockOwner, jobs: jobs))
        if let note { print(note) }
        let usage = try store.responseUsage()
        if !usage.isEmpty { print("\n" + EndpointUsageReport.render(graph: graph, usage: usage)) }
    }
}

/// Renders the status table; separate from the command so tests can check its text.
enum StatusReport {
    /// `jobs`: the run's cluster jobs (every attempt); the table shows each node's latest, with its Slurm state.
    static func render(graph: Graph, records: [String: NodeRecord], plan: [String: PlanDecision],
                       lockOwner: LockOwner?, jobs: [JobRecord] = [], now: Date = Date()) -> String {
        let jobsByNode = Dictionary(grouping: jobs, by: \.node).mapValues { $0.sorted { $0.attempt < $1.attempt } }
        let latestJob = jobsByNode.compactMapValues(\.last)
        let showJobs = !latestJob.isEmpty
        var table = TextTable(["STAGE", "VARIANTS", "STATE", "ITEMS", "DURATION"]
                              + (showJobs ? ["JOB", "SLURM", "ELAPSED"] : []) + ["REASON"])
        let allVariants = graph.variants.count
        for node in graph.nodes {
            let record = records[node.id]
            let variants = node.variants.count == allVariants && allVariants > 1 ? "all"
                : node.variants.joined(separator: " ")
            let state: String
            var reason: String
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
            var row = [node.stage, variants, state, items(record), duration(record)]
            if showJobs {
                let job = latestJob[node.id]
                row += [job.map(jobLabel) ?? "", job?.state ?? "", job?.elapsed(now: now).map(formatDuration) ?? ""]
                // While its job is alive, what Slurm says about it is the node's news (queued for what, running where).
                if let job, job.endedAt == nil, record?.status != .succeeded, let slurm = job.reason {
                    reason = slurm
                    // A retry's job: say what ended the one before it.
                    if let earlier = jobsByNode[node.id]?.last(where: { $0.attempt < job.attempt }),
                       earlier.state != "COMPLETED", let why = earlier.reason {
                        reason += " (retry; job \(earlier.jobID ?? "?") ended \(why))"
                    }
                }
            }
            table.add(row + [reason + truncationNote(record)])
        }
        var out = "pipeline \(graph.pipelineName): \(graph.nodes.count) nodes, \(allVariants) variant"
            + (allVariants == 1 ? "" : "s")
        if let owner = lockOwner { out += " — running as pid \(owner.pid) since \(owner.since)" }
        return out + "\n" + table.render()
    }

    /// The job id, with the attempt when it is not the first (`1234`, `1240 (#2)`).
    private static func jobLabel(_ job: JobRecord) -> String {
        (job.jobID ?? "submitting") + (job.attempt > 1 ? " (#\(job.attempt))" : "")
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

/// What Slurm says now about jobs no controller follows (a detached run, or a controller that died): one squeue
/// for all of them, shown without writing to the store (the next `lema run` imports and records).
enum LiveJobs {
    static func overlay(_ jobs: [JobRecord], client: SlurmClient = SlurmClient(timeout: 15)) -> ([JobRecord], String?) {
        let live = jobs.filter { $0.endedAt == nil && $0.jobID != nil }
        guard !live.isEmpty else { return (jobs, nil) }
        let snapshots: [String: JobSnapshot]
        do { snapshots = try client.snapshots(of: live.compactMap(\.jobID)) } catch {
            return (jobs, "(no controller follows this run's \(live.count) job(s), and Slurm could not be asked: \(error))")
        }
        let now = Date()
        let updated = jobs.map { job -> JobRecord in
            guard job.endedAt == nil, let id = job.jobID, let snapshot = snapshots[id] else { return job }
            var job = job
            job.state = snapshot.state.name
            job.reason = snapshot.state.message
            if let elapsed = snapshot.elapsedSeconds, elapsed > 0 { job.startedAt = now.addingTimeInterval(-Double(elapsed)) }
            return job
        }
        return (updated, "(no controller follows this run's \(live.count) job(s): states from squeue now; "
                + "`lema run` again imports what they did and follows them)")
    }
}
