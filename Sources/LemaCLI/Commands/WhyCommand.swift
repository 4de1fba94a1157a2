import ArgumentParser
import Engine
import Foundation
import LemaCore

/// `lema why STAGE`: whether each node of a stage will run or be skipped, and which fingerprint component changed
/// since the stage last ran.
struct WhyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "why", abstract: "Explain why a stage will run or be skipped.")

    @OptionGroup var pipeline: PipelineOptions

    @Argument(help: "The stage name.")
    var stage: String

    func run() throws {
        let graph = try pipeline.compile()
        let nodes = try graph.requireStage(stage)
        let path = pipeline.runDirectory(for: graph).appendingPathComponent("state.sqlite")
        var records: [String: NodeRecord] = [:]
        if FileManager.default.fileExists(atPath: path.path) {
            let store = try Store(path: path)
            defer { try? store.close() }
            records = try store.nodeRecords()
        }
        let plan = Planner.plan(graph: graph, records: records, only: [])
        print(WhyReport.explain(nodes: nodes, graph: graph, records: records, plan: plan))
    }
}

/// The text of `lema why`, separate from the command for tests.
enum WhyReport {
    static func explain(nodes: [GraphNode], graph: Graph, records: [String: NodeRecord],
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
            let previous = records.values
                .filter { $0.stage == node.stage && $0.id != node.id && $0.status == .succeeded }
                .max { ($0.finishedAt ?? .distantPast, $0.id) < ($1.finishedAt ?? .distantPast, $1.id) }
            guard let previous else {
                lines.append("  no earlier run of '\(node.stage)' to compare with: this is a new node")
                continue
            }
            lines.append("  compared with the last successful run \(previous.id.prefix(12)):")
            let changes = diff(old: previous.components, new: node.fingerprintComponents.canonicalText, graph: graph)
            lines += changes.isEmpty ? ["  nothing in the fingerprint differs (the node was invalidated or failed)"]
                : changes.map { "  - \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    /// Human-readable differences between two fingerprint component texts (canonical JSON objects with `kind`,
    /// `version`, `params`, `inputs`, `seed` and, for duplicate stages, `stage`).
    static func diff(old: String, new: String, graph: Graph) -> [String] {
        let was = (try? JSONValue.parse(Data(old.utf8)))?.objectValue ?? [:]
        let now = (try? JSONValue.parse(Data(new.utf8)))?.objectValue ?? [:]
        var out: [String] = []
        for key in ["kind", "version", "seed", "stage"] where was[key] != now[key] {
            out.append("\(key) changed: \(was[key]?.canonicalText ?? "(unset)") → \(now[key]?.canonicalText ?? "(unset)")")
        }
        let oldParams = was["params"]?.objectValue ?? [:], newParams = now["params"]?.objectValue ?? [:]
        for key in Set(oldParams.keys).union(newParams.keys).sorted() where oldParams[key] != newParams[key] {
            out.append("param '\(key)' changed: \(oldParams[key]?.canonicalText ?? "(unset)") → "
                + (newParams[key]?.canonicalText ?? "(unset)"))
        }
        let oldInputs = was["inputs"]?.objectValue ?? [:], newInputs = now["inputs"]?.objectValue ?? [:]
        // One lookup table, not a scan of the graph per input id (a join over 10,000 nodes has 10,000 of them).
        let stageOf = Dictionary(graph.nodes.map { ($0.id, $0.stage) }, uniquingKeysWith: { first, _ in first })
        for key in Set(oldInputs.keys).union(newInputs.keys).sorted() where oldInputs[key] != newInputs[key] {
            let ids = newInputs[key]?.arrayValue?.compactMap(\.stringValue) ?? []
            let stages = ids.compactMap { stageOf[$0] }
            let names = stages.isEmpty ? "" : " (\(stages.joined(separator: ", ")))"
            out.append("input '\(key)'\(names) changed upstream: run `lema why \(stages.first ?? key)` for its reason")
        }
        return out
    }
}
