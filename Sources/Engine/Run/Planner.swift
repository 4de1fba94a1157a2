import Foundation
import LemaCore

/// What the planner decided for one node, with the reason shown by `lema run`, `lema status` and `lema why`.
public enum PlanDecision: Sendable, Hashable, CustomStringConvertible {
    /// The node executes this run.
    case run(reason: String)
    /// The node does not execute: it is up to date or not selected.
    case skip(reason: String)

    /// Why the node runs or is skipped, as shown to the user.
    public var reason: String {
        switch self {
        case .run(let reason), .skip(let reason): reason
        }
    }

    /// True for `.run`.
    public var willRun: Bool { if case .run = self { true } else { false } }

    /// `run: <reason>` or `skip: <reason>`.
    public var description: String {
        switch self {
        case .run(let reason): "run: \(reason)"
        case .skip(let reason): "skip: \(reason)"
        }
    }
}

/// Decides, for every node of a graph, whether it runs and why. A pure function of the graph and the stored node
/// records (one bulk read), so it can be tested on small graphs and shown by `--dry-run` without side effects.
public enum Planner {
    /// Reason texts, shared with the runner and tests.
    public enum Reason {
        /// Succeeded before, no upstream node runs, and the fingerprint is unchanged.
        public static let upToDate = "succeeded before (fingerprint unchanged)"
        /// No earlier node of the same stage to compare with, or no difference from the closest one.
        public static let newNode = "new node"
        /// The node succeeded before but an ancestor runs again, so its inputs may change.
        public static let upstreamWillRun = "upstream will run"
        /// Outside the stages named by `--only` and their ancestors.
        public static let notSelected = "not selected by --only"
        /// A previous run was stopped (signal or crash) before the node finished.
        public static let interrupted = "interrupted"
        /// Prefix of the reason for a node whose last attempt failed; the first line of the error follows.
        public static let previousFailed = "previous attempt failed"
        /// The node was blocked last time and no ancestor runs now, so it runs on its own.
        public static let previouslyBlocked = "previously blocked by a failed upstream node"
    }

    /// Plans every node of `graph`. `records` are all node rows of the store by id (nodes of earlier graphs
    /// included: they explain "params changed"). `only` limits the run to the named stages and their ancestors.
    public static func plan(graph: Graph, records: [String: NodeRecord], only: [String]) -> [String: PlanDecision] {
        let selected = selection(graph: graph, only: only)
        let previousByStage = previousRecords(graph: graph, records: records)
        var decisions: [String: PlanDecision] = [:]
        decisions.reserveCapacity(graph.nodes.count)
        // Graph nodes are topologically ordered, so parents are decided before children.
        for node in graph.nodes {
            if let selected, !selected.contains(node.id) {
                decisions[node.id] = .skip(reason: Reason.notSelected)
                continue
            }
            let upstreamRuns = node.parentIDsFast.contains { decisions[$0]?.willRun == true }
            decisions[node.id] = decide(node: node, record: records[node.id], upstreamRuns: upstreamRuns,
                                        previous: previousByStage[node.stage] ?? [])
        }
        return decisions
    }

    private static func decide(node: GraphNode, record: NodeRecord?, upstreamRuns: Bool,
                               previous: [NodeRecord]) -> PlanDecision {
        guard let record else { return .run(reason: changeReason(node: node, previous: previous)) }
        switch record.status {
        case .succeeded:
            return upstreamRuns ? .run(reason: Reason.upstreamWillRun) : .skip(reason: Reason.upToDate)
        case .failed:
            let detail = record.error.map { ": " + firstLine($0) } ?? ""
            return .run(reason: Reason.previousFailed + detail)
        case .blocked:
            return .run(reason: upstreamRuns ? Reason.upstreamWillRun : Reason.previouslyBlocked)
        case .cancelled:
            return .run(reason: record.reason ?? Reason.interrupted)
        case .running:
            // Orphans are reclaimed before planning; a live owner would hold the lock. Treat as resumable.
            return .run(reason: "reclaimed after crash")
        case .pending:
            if let reason = record.reason, !reason.isEmpty { return .run(reason: reason) }
            if record.attempts > 0 { return .run(reason: Reason.interrupted) }
            return .run(reason: changeReason(node: node, previous: previous))
        }
    }

    /// The records as the planner must see them: succeeded nodes of `graph` whose artifact files are gone (deleted
    /// by hand, a cleaned disk) are presented as pending, so they run again instead of handing missing files to
    /// their children. `lema run`, `--dry-run`, `lema status` and `lema why` all plan from this view.
    public static func checkingArtifacts(_ records: [String: NodeRecord], of graph: Graph,
                                  in runDirectory: URL) -> [String: NodeRecord] {
        var out = records
        let base = runDirectory.path + "/"
        for node in graph.nodes {
            guard var record = records[node.id], record.status == .succeeded, !record.artifacts.isEmpty else { continue }
            let missing = record.artifacts.filter { !FileManager.default.fileExists(atPath: base + $0.value) }.keys.sorted()
            guard !missing.isEmpty else { continue }
            record.status = .pending
            record.reason = "output missing on disk: " + missing.map { "\($0) (\(record.artifacts[$0] ?? ""))" }
                .joined(separator: ", ")
            out[node.id] = record
        }
        return out
    }

    /// "new node", or what changed relative to the closest earlier node of the same stage.
    static func changeReason(node: GraphNode, previous: [NodeRecord]) -> String {
        guard let closest = closestEarlier(node: node, previous: previous), !closest.differences.isEmpty else {
            return Reason.newNode
        }
        return closest.differences.joined(separator: "; ")
    }

    /// The earlier node a new node is compared with — of the same stage, succeeded, not in the current graph;
    /// the one with the fewest fingerprint differences, then the most recently finished — and those differences.
    /// `lema why` shows the same comparison the plan's reason was made from.
    static func closestEarlier(node: GraphNode, previous: [NodeRecord])
        -> (record: NodeRecord, parts: FingerprintParts, differences: [String])?
    {
        let current = FingerprintParts(node: node)
        let candidates = previous.compactMap { record -> (NodeRecord, FingerprintParts, [String])? in
            FingerprintParts(componentsText: record.components).map { (record, $0, current.differences(from: $0)) }
        }
        return candidates.min { a, b in
            if a.2.count != b.2.count { return a.2.count < b.2.count }
            let fa = a.0.finishedAt ?? .distantPast, fb = b.0.finishedAt ?? .distantPast
            return fa != fb ? fa > fb : a.0.id < b.0.id
        }.map { (record: $0.0, parts: $0.1, differences: $0.2) }
    }

    /// Earlier nodes (not in the current graph) by stage name, succeeded ones only: those are what a user
    /// compares against ("it ran before with ratio 0.5").
    static func previousRecords(graph: Graph, records: [String: NodeRecord]) -> [String: [NodeRecord]] {
        let current = Set(graph.nodes.map(\.id))
        let stages = Set(graph.nodes.map(\.stage))
        var out: [String: [NodeRecord]] = [:]
        for record in records.values where !current.contains(record.id) && stages.contains(record.stage)
            && record.status == .succeeded {
            out[record.stage, default: []].append(record)
        }
        return out
    }

    /// Node ids selected by `--only` (the named stages and all their ancestors), or nil when not restricted.
    private static func selection(graph: Graph, only: [String]) -> Set<String>? {
        guard !only.isEmpty else { return nil }
        let wanted = Set(only)
        var selected = Set<String>()
        var parentsByID: [String: [String]] = [:]
        for node in graph.nodes { parentsByID[node.id] = node.parentIDsFast }
        var stack = graph.nodes.filter { wanted.contains($0.stage) }.map(\.id)
        while let id = stack.popLast() {
            guard selected.insert(id).inserted else { continue }
            stack.append(contentsOf: parentsByID[id] ?? [])
        }
        return selected
    }

    private static func firstLine(_ text: String) -> String {
        let line = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? text
        return line.count > 160 ? String(line.prefix(157)) + "..." : line
    }
}

extension GraphNode {
    /// `parentIDs` without building a set for the common shapes (no inputs, one input edge): planning and
    /// scheduling ask for every node, and a 10,000-node fan is mostly one-parent nodes.
    var parentIDsFast: [String] {
        if inputs.isEmpty { return [] }
        if inputs.count == 1, let edges = inputs.first?.value, edges.count == 1 { return [edges[0].nodeID] }
        return parentIDs
    }
}
