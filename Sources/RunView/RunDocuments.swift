import Engine
import Foundation
import LemaCore

/// The JSON documents of `lema ui`'s API, built from the compiled graph and the store's rows (pure). Nodes are
/// named by their position in the graph document (`i`) in every live document, so an update of 10,000 nodes does
/// not repeat 10,000 fingerprints.
enum RunDocuments {
    /// `/api/graph`: pipeline, variants with their parameters, stages in graph order, nodes with their variants and
    /// parents (as positions).
    static func graph(_ graph: Graph, index: [String: Int]) -> JSONValue {
        let variantIndex = Dictionary(uniqueKeysWithValues: graph.variants.enumerated().map { ($1.name, $0) })
        var stages: [String] = []
        var seen = Set<String>()
        for node in graph.nodes where seen.insert(node.stage).inserted { stages.append(node.stage) }
        let nodes: [JSONValue] = graph.nodes.enumerated().map { position, node in
            .object([
                "i": .int(Int64(position)), "id": .string(node.id), "stage": .string(node.stage),
                "kind": .string(node.kind),
                "variants": .array(node.variants.compactMap { variantIndex[$0].map { .int(Int64($0)) } }),
                "parents": .array(node.parentIDs.compactMap { index[$0].map { .int(Int64($0)) } }),
                "model": node.inputs["model"]?.first.flatMap { index[$0.nodeID] }.map { .int(Int64($0)) } ?? .null,
                "executor": .string(node.execution.executor.rawValue),
            ])
        }
        return .object([
            "pipeline": .string(graph.pipelineName),
            "variants": .array(graph.variants.map { .object(["name": .string($0.name), "params": .object($0.params)]) }),
            "stages": .array(stages.map { .string($0) }),
            "nodes": .array(nodes),
        ])
    }

    /// The live state of one node (`/api/nodes`, snapshots and updates).
    static func node(_ record: NodeRecord?, position: Int) -> JSONValue {
        var out: [String: JSONValue] = ["i": .int(Int64(position))]
        guard let record else {
            out["status"] = .string("not run")
            return .object(out)
        }
        out["status"] = .string(record.status.rawValue)
        out["attempts"] = .int(Int64(record.attempts))
        out["started"] = record.startedAt.map { .double($0.timeIntervalSince1970) } ?? .null
        out["finished"] = record.finishedAt.map { .double($0.timeIntervalSince1970) } ?? .null
        out["done"] = .int(Int64(record.progressDone))
        out["total"] = record.progressTotal.map { .int(Int64($0)) } ?? .null
        out["note"] = record.progressNote.map { .string($0) } ?? .null
        out["reason"] = record.reason.map { .string($0) } ?? .null
        out["error"] = record.error.map { .string(String($0.split(separator: "\n", maxSplits: 1).first ?? "")) } ?? .null
        if let selected = record.summary["selected"]?.stringValue { out["selected"] = .string(selected) }
        return .object(out)
    }

    static func event(_ event: EventRecord, index: [String: Int]) -> JSONValue {
        .object([
            "id": .int(event.id), "at": .double(event.at.timeIntervalSince1970),
            "i": event.node.flatMap { index[$0] }.map { .int(Int64($0)) } ?? .null,
            "kind": .string(event.kind), "message": .string(event.message), "pid": .int(Int64(event.pid)),
        ])
    }

    static func metric(_ metric: StoreReader.NodeMetric, position: Int) -> JSONValue {
        .object(["i": .int(Int64(position)), "name": .string(metric.point.name), "step": .int(Int64(metric.point.step)),
                 "value": .double(metric.point.value)])
    }

    static func job(_ job: JobRecord, position: Int) -> JSONValue {
        .object([
            "i": .int(Int64(position)), "attempt": .int(Int64(job.attempt)), "name": .string(job.jobName),
            "job_id": job.jobID.map { .string($0) } ?? .null, "state": .string(job.state),
            "reason": job.reason.map { .string($0) } ?? .null,
            "submitted": .double(job.submittedAt.timeIntervalSince1970),
            "ended": job.endedAt.map { .double($0.timeIntervalSince1970) } ?? .null,
        ])
    }

    /// The run's owner: pid, command, since and whether it still runs; null when no run holds the lock.
    static func owner(_ owner: RunOwner?) -> JSONValue {
        guard let owner else { return .null }
        return .object([
            "pid": .int(Int64(owner.owner.pid)), "host": .string(owner.owner.host),
            "command": .string(owner.owner.command), "since": .double(owner.owner.since.timeIntervalSince1970),
            "state": .string(owner.state.rawValue),
        ])
    }

    /// Endpoint responses, tokens and estimated cost per node of this graph.
    static func usage(_ usage: [String: ResponseUsage], graph: Graph, index: [String: Int]) -> JSONValue {
        var rows: [JSONValue] = []
        for (position, node) in graph.nodes.enumerated() {
            guard let u = usage[node.id] else { continue }
            let endpoint = node.params["endpoint"]?.objectValue
            rows.append(.object([
                "i": .int(Int64(position)), "model": .string(endpoint?["model"]?.stringValue ?? "?"),
                "responses": .int(Int64(u.responses)), "prompt_tokens": .int(Int64(u.promptTokens)),
                "completion_tokens": .int(Int64(u.completionTokens)),
                "cost": u.cost(price: endpoint?["price"]).map { .double($0) } ?? .null,
            ]))
        }
        return .array(rows)
    }
}
