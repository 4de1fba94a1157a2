import Engine
import Foundation
import LemaCore

/// `lema status`'s table of model-endpoint calls: per node, the responses fetched (each paid for once: later runs
/// read them from the store), their tokens and the estimated cost from the stage's `endpoint.price`.
enum EndpointUsageReport {
    static func render(graph: Graph, usage: [String: ResponseUsage]) -> String {
        var table = TextTable(["STAGE", "ENDPOINT MODEL", "RESPONSES", "PROMPT TOK", "COMPLETION TOK", "EST. COST"])
        var total = 0.0
        var priced = false
        let known = Set(graph.nodes.map(\.id))
        for node in graph.nodes {
            guard let u = usage[node.id] else { continue }
            let endpoint = node.params["endpoint"]?.objectValue
            let model = endpoint?["model"]?.stringValue ?? "?"
            var cost = ""
            if let c = u.cost(price: endpoint?["price"]) {
                cost = String(format: "$%.4f", c)
                total += c
                priced = true
            }
            table.add([node.stage, model, String(u.responses), String(u.promptTokens), String(u.completionTokens), cost])
        }
        let other = usage.filter { !known.contains($0.key) }.values
        if !other.isEmpty {
            table.add(["(other runs' nodes)", "", String(other.map(\.responses).reduce(0, +)),
                       String(other.map(\.promptTokens).reduce(0, +)), String(other.map(\.completionTokens).reduce(0, +)), ""])
        }
        var out = "model endpoints (responses cached in the store; a re-run reads them instead of calling again)\n"
            + table.render()
        if priced { out += "\nestimated cost: " + String(format: "$%.4f", total) }
        return out
    }
}
