import Engine
import Foundation
import LemaCore
import Math
import Stages

/// The documents read on demand: one node's side panel (`/api/node/{id}`) and the sweep table (`/api/sweep`).
struct RunDetails {
    let live: LiveRun
    /// `runs/<pipeline>/`: node directories (artifacts, cluster job output) live here.
    let runDirectory: URL
    /// Bytes of a job's stdout/stderr shown in the side panel (its tail).
    static let outputTailBytes = 4096

    var graph: Graph { live.graph }

    /// Parameters, artifacts, summary, error, the planner's reason and `lema why`'s text (`Why.explain`, the same
    /// function), the node's latest events, its cluster jobs and its own stdout/stderr with their tails, and its
    /// ledger count.
    func node(_ key: String) throws -> JSONValue? {
        guard let position = Int(key).flatMap({ graph.nodes.indices.contains($0) ? $0 : nil }) ?? live.index[key]
        else { return nil }
        let node = graph.nodes[position]
        let records = live.nodeRecords
        let record = records[node.id]
        let onDisk = Planner.checkingArtifacts(records, of: graph, in: runDirectory)
        let plan = Planner.plan(graph: graph, records: onDisk, only: [])
        let reader = live.storeReader()
        let directory = runDirectory.appendingPathComponent("nodes")
            .appendingPathComponent(NodeDirectoryName.make(stage: node.stage, fingerprint: node.id))
        let jobs: [JSONValue] = try (reader?.jobs() ?? []).filter { $0.node == node.id }.map { job in
            guard case .object(var document) = RunDocuments.job(job, position: position) else { return .null }
            document["stdout"] = Self.tail(directory.appendingPathComponent("job.\(job.attempt).out"))
            document["stderr"] = Self.tail(directory.appendingPathComponent("job.\(job.attempt).err"))
            return .object(document)
        }
        return .object([
            "i": .int(Int64(position)), "id": .string(node.id), "stage": .string(node.stage),
            "kind": .string(node.kind), "variants": .array(node.variants.map { .string($0) }),
            "params": .object(node.params), "state": RunDocuments.node(record, position: position),
            "artifacts": .object((record?.artifacts ?? [:]).mapValues { .string($0) }),
            "summary": .object(record?.summary ?? [:]), "error_text": record?.error.map { .string($0) } ?? .null,
            "plan": plan[node.id].map { .string($0.description) } ?? .null,
            "why": .string(Why.explain(nodes: [node], graph: graph, records: records, plan: plan)),
            "events": .array(try (reader?.events(node: node.id, limit: 200) ?? []).map {
                RunDocuments.event($0, index: live.index)
            }),
            "ledger_items": .int(Int64(try reader?.ledgerCount(node.id) ?? 0)),
            "jobs": .array(jobs), "directory": .string(directory.path),
            // A `command` node's own output (cluster jobs' output is under `jobs`).
            "stdout": Self.tail(directory.appendingPathComponent("stdout.txt")),
            "stderr": Self.tail(directory.appendingPathComponent("stderr.txt")),
        ])
    }

    /// The last `outputTailBytes` of a file as text, or null when it does not exist.
    static func tail(_ file: URL) -> JSONValue {
        guard let handle = try? FileHandle(forReadingFrom: file) else { return .null }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > UInt64(outputTailBytes) ? size - UInt64(outputTailBytes) : 0)
        let data = (try? handle.readToEnd()) ?? Data()
        return .string(String(decoding: data, as: UTF8.self))
    }

    /// One row per variant: the parameters that differ between variants, and each evaluation's pass@1 with its
    /// 95% Wilson interval — final from the node's summary (as the report shows it), or provisional from the
    /// items scored so far while it runs. When the report names a `baseline` (under `replicates:`), each evaluation
    /// also carries its arm's mean over seeds and paired comparison, and `baseline` the report's across-seeds table
    /// (`RunDetails+Baseline`); null until every evaluation the report gathers has succeeded.
    func sweep() throws -> JSONValue {
        let variants = graph.variants
        var keys = Set<String>()
        for variant in variants { keys.formUnion(variant.params.keys) }
        let differing = keys.sorted().filter { key in Set(variants.map { $0.params[key] ?? .null }).count > 1 }
        let records = live.nodeRecords
        let reader = live.storeReader()
        let comparison = baselineSummary(records: records)
        var rows: [JSONValue] = []
        for variant in variants {
            var evaluations: [JSONValue] = []
            for (position, node) in graph.nodes.enumerated()
            where node.kind == "evaluate" && node.variants.contains(variant.name) {
                var entry = try evaluation(node, position: position, record: records[node.id], reader: reader)
                if let comparison, case .object(var fields) = entry {
                    fields.merge(Self.armCells(comparison.seeds, stage: node.stage,
                                               point: variant.replicate?.of ?? variant.name)) { $1 }
                    entry = .object(fields)
                }
                evaluations.append(entry)
            }
            rows.append(.object([
                "variant": .string(variant.name),
                "params": .object(Dictionary(uniqueKeysWithValues: differing.map { ($0, variant.params[$0] ?? .null) })),
                "evaluations": .array(evaluations),
            ]))
        }
        return .object(["differing": .array(differing.map { .string($0) }), "rows": .array(rows),
                        "baseline": comparison.map { Self.baselineDocument(report: $0.report, seeds: $0.seeds) } ?? .null])
    }

    /// Items an evaluation scores on its test split carry this key prefix; their records say `"correct":true`.
    static let testKeyPrefix = "test/"
    static let correctMarker = "\"correct\":true"

    private func evaluation(_ node: GraphNode, position: Int, record: NodeRecord?, reader: StoreReader?) throws
        -> JSONValue {
        var out: [String: JSONValue] = ["i": .int(Int64(position)), "stage": .string(node.stage),
                                        "status": .string(record?.status.rawValue ?? "not run")]
        if let record, record.status == .succeeded, let accuracy = record.summary["accuracy"]?.doubleValue {
            let low = record.summary["ci_low"]?.doubleValue, high = record.summary["ci_high"]?.doubleValue
            out["pass_at_1"] = .string(Self.passAt1(accuracy, low, high))
            out["n"] = record.summary["n"] ?? .null
        } else if let record, record.status == .running || record.progressDone > 0, let reader {
            let (items, correct) = try reader.ledgerCount(node.id, keyPrefix: Self.testKeyPrefix,
                                                          containing: Self.correctMarker)
            if items > 0 {
                let interval = WilsonInterval(successes: correct, total: items)
                out["pass_at_1"] = .string(Self.passAt1(Double(correct) / Double(items), interval.lower, interval.upper))
                out["provisional"] = .string("\(items)/\(record.progressTotal.map(String.init) ?? "?") so far")
            }
        }
        return .object(out)
    }

    /// `41.2% [38.0, 44.5]`, in the report's words and digits (`ReportCells`'s formatting).
    static func passAt1(_ accuracy: Double, _ low: Double?, _ high: Double?) -> String {
        guard let low, let high else { return ReportCells.percent(accuracy) }
        return "\(ReportCells.percent(accuracy)) [\(SVGFormat.fixed(low * 100, 1)), \(SVGFormat.fixed(high * 100, 1))]"
    }
}
