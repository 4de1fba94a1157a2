import Foundation
import LemaCore

/// Output formats of `lema graph`.
public enum GraphFormat: String, CaseIterable, Sendable {
    /// A readable list in execution order: stage, short fingerprint, kind, which variants use the node, its inputs.
    case text
    /// Graphviz `digraph`; shared nodes drawn bold, variants in the labels, `after:` edges dashed.
    case dot
    /// Mermaid `flowchart TD`; shared nodes in the `shared` class, variants in the labels.
    case mermaid
}

/// Renders a compiled graph as text, Graphviz dot or Mermaid. Pure; output is deterministic.
public enum GraphRenderer {
    /// The whole graph in `format`; same graph, same text.
    public static func render(_ graph: Graph, format: GraphFormat) -> String {
        switch format {
        case .text: renderText(graph)
        case .dot: renderDot(graph)
        case .mermaid: renderMermaid(graph)
        }
    }

    /// Characters of a fingerprint shown to people (as in the artifact directory names).
    static let shortLength = 12

    static func short(_ id: String) -> String { String(id.prefix(shortLength)) }

    /// "shared by all 5 variants", "shared by 2 variants: a, b", "variant a", or nil for a sweep-less pipeline.
    static func variantLabel(_ node: GraphNode, in graph: Graph) -> String? {
        let total = graph.variants.count
        if total <= 1 { return nil }
        let n = node.variants.count
        if n == total { return "shared by all \(total) variants" }
        if n == 1 { return "variant \(node.variants[0])" }
        let listed = node.variants.prefix(4).joined(separator: ", ") + (n > 4 ? ", …" : "")
        return "shared by \(n) variants: \(listed)"
    }

    static func isShared(_ node: GraphNode) -> Bool { node.variants.count > 1 }

    /// (parameter, edge) pairs of a node in a stable order: parameters sorted, edges as written.
    static func edges(_ node: GraphNode) -> [InputEdge] {
        node.inputs.keys.sorted().flatMap { node.inputs[$0] ?? [] }
    }

    // MARK: text

    static func renderText(_ graph: Graph) -> String {
        let shared = graph.nodes.filter(isShared).count
        let stageNames = Set(graph.nodes.map(\.stage))
        var out = "pipeline '\(graph.pipelineName)': \(graph.variants.count) variant\(graph.variants.count == 1 ? "" : "s"), "
        out += "\(stageNames.count) stage\(stageNames.count == 1 ? "" : "s"), \(graph.nodes.count) node\(graph.nodes.count == 1 ? "" : "s")"
        if graph.variants.count > 1 { out += " (\(shared) shared)" }
        out += "\n"
        if graph.variants.count > 1 {
            out += "variants: " + graph.variants.map(\.name).joined(separator: " | ") + "\n"
        }
        if let replicates = replicateLine(graph) { out += replicates + "\n" }
        for node in graph.nodes {
            out += "\n\(node.stage) \(short(node.id)) [\(node.kind)]"
            if let label = variantLabel(node, in: graph) { out += "  \(label)" }
            for edge in edges(node) {
                let target = edge.artifact.map { "\(edge.stage).\($0)" } ?? edge.stage
                out += "\n    \(edge.parameter) ← \(target) \(short(edge.nodeID))"
            }
        }
        return out + "\n"
    }

    /// "replicates: seeds 1, 2, 3 — one node per seed: base, sample, …; shared by every seed: problems" under
    /// `replicates:`, else nil. A stage is per seed when some sweep point's replicates use different nodes of it.
    static func replicateLine(_ graph: Graph) -> String? {
        let seeds = graph.variants.compactMap { $0.replicate?.seed }
        guard !seeds.isEmpty else { return nil }
        var seen = Set<UInt64>()
        let distinctSeeds = seeds.filter { seen.insert($0).inserted }
        var stages: [String] = []
        for node in graph.nodes where !stages.contains(node.stage) { stages.append(node.stage) }
        var perSeed: [String] = [], shared: [String] = []
        for stage in stages {
            var nodesByPoint: [String: Set<String>] = [:]
            for variant in graph.variants {
                guard let point = variant.replicate?.of, let node = variant.stageNodes[stage] else { continue }
                nodesByPoint[point, default: []].insert(node)
            }
            if nodesByPoint.values.contains(where: { $0.count > 1 }) { perSeed.append(stage) } else { shared.append(stage) }
        }
        return "replicates: seeds " + distinctSeeds.map(String.init).joined(separator: ", ")
            + " — one node per seed: " + (perSeed.isEmpty ? "none" : perSeed.joined(separator: ", "))
            + "; shared by every seed: " + (shared.isEmpty ? "none" : shared.joined(separator: ", "))
    }

    // MARK: dot

    static func dotQuote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    static func renderDot(_ graph: Graph) -> String {
        var out = "digraph \(dotQuote(graph.pipelineName)) {\n"
        out += "  rankdir=TB;\n"
        out += "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
        out += "  edge [fontname=\"Helvetica\", fontsize=10];\n"
        for node in graph.nodes {
            var label = "\(node.stage)\n\(node.kind) \(short(node.id))"
            if let v = variantLabel(node, in: graph) { label += "\n\(v)" }
            out += "  n\(node.id) [label=\(dotQuote(label))"
            if isShared(node) { out += ", style=\"rounded,bold\", penwidth=2" }
            out += "];\n"
        }
        for node in graph.nodes {
            for edge in edges(node) {
                out += "  n\(edge.nodeID) -> n\(node.id) [label=\(dotQuote(edge.parameter))"
                if edge.parameter == EngineKeys.after { out += ", style=dashed" }
                out += "];\n"
            }
        }
        return out + "}\n"
    }

    // MARK: mermaid

    static func mermaidQuote(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "\"": out += "#quot;"
            case "<": out += "#lt;"
            case ">": out += "#gt;"
            case "\n": out += "<br/>"
            default: out.append(ch)
            }
        }
        return "\"" + out + "\""
    }

    static func renderMermaid(_ graph: Graph) -> String {
        var out = "flowchart TD\n"
        for node in graph.nodes {
            var label = "\(node.stage)\n\(node.kind) \(short(node.id))"
            if let v = variantLabel(node, in: graph) { label += "\n\(v)" }
            out += "  n\(node.id)[\(mermaidQuote(label))]\n"
        }
        for node in graph.nodes {
            for edge in edges(node) {
                let arrow = edge.parameter == EngineKeys.after ? "-.->" : "-->"
                out += "  n\(edge.nodeID) \(arrow)|\(mermaidQuote(edge.parameter))| n\(node.id)\n"
            }
        }
        let shared = graph.nodes.filter(isShared)
        if !shared.isEmpty {
            out += "  classDef shared stroke-width:3px\n"
            out += "  class " + shared.map { "n\($0.id)" }.joined(separator: ",") + " shared\n"
        }
        return out
    }
}
