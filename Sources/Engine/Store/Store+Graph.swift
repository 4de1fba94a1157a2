import Foundation
import LemaCore

/// Graph registration: nodes, edges, variants and their stage → node map.
extension Store {
    /// Records the graph (idempotent). New nodes start `pending`; nodes already known keep their status, attempts,
    /// ledger and outputs (only their stage name and components are refreshed). Edges are immutable per node (the
    /// fingerprint covers the inputs). Variants are replaced by the graph's: they describe the latest spec.
    public func register(_ graph: Graph) throws {
        let now = Date()
        try write { db in
            for node in graph.nodes {
                try db.run("""
                    INSERT INTO nodes(id, stage, kind, kind_version, components, registered_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET stage = excluded.stage, components = excluded.components
                    WHERE stage IS NOT excluded.stage OR components IS NOT excluded.components
                    """, [.text(node.id), .text(node.stage), .text(node.kind), .int(node.kindVersion),
                          .text(Self.components(of: node)), .date(now), .date(now)])
            }
            for node in graph.nodes {
                for parameter in node.inputs.keys.sorted() {
                    for (position, edge) in (node.inputs[parameter] ?? []).enumerated() {
                        try db.run("""
                            INSERT OR IGNORE INTO edges(child, parameter, position, parent, artifact)
                            VALUES (?, ?, ?, ?, ?)
                            """, [.text(node.id), .text(parameter), .int(position), .text(edge.nodeID),
                                  edge.artifact.map { .text($0) }])
                    }
                }
            }
            try db.run("DELETE FROM variant_stages")
            try db.run("DELETE FROM variants")
            for (position, variant) in graph.variants.enumerated() {
                try db.run("INSERT INTO variants(name, position, params) VALUES (?, ?, ?)",
                           [.text(variant.name), .int(position), .text(JSONValue.object(variant.params).canonicalText)])
                for (stage, node) in variant.stageNodes.sorted(by: { $0.key < $1.key }) {
                    try db.run("INSERT INTO variant_stages(variant, stage, node) VALUES (?, ?, ?)",
                               [.text(variant.name), .text(stage), .text(node)])
                }
            }
        }
    }

    /// Canonical JSON of what a node's fingerprint covers, in the fingerprint's own shape:
    /// `{"inputs":{param:[fingerprints]},"kind":…,"params":{…},"version":N}` (for `lema why`).
    public static func components(of node: GraphNode) -> String {
        var inputs: [String: JSONValue] = [:]
        for (parameter, edges) in node.inputs {
            inputs[parameter] = .array(edges.map { .string($0.nodeID) })
        }
        return JSONValue.object([
            "kind": .string(node.kind),
            "version": .int(Int64(node.kindVersion)),
            "params": .object(node.params),
            "inputs": .object(inputs),
        ]).canonicalText
    }

    /// Variants of the last registered graph, in spec order.
    public func variants() throws -> [VariantRecord] {
        try read { db in
            var records: [VariantRecord] = []
            var index: [String: Int] = [:]
            try db.query("SELECT name, params FROM variants ORDER BY position") { row in
                let name = row.text(0)
                let params = try decodeObject(row.text(1), what: "params of variant \(name)")
                index[name] = records.count
                records.append(VariantRecord(name: name, params: params, stageNodes: [:]))
            }
            try db.query("SELECT variant, stage, node FROM variant_stages") { row in
                if let i = index[row.text(0)] { records[i].stageNodes[row.text(1)] = row.text(2) }
            }
            return records
        }
    }

    /// Parent node ids of a node, as registered (distinct, sorted).
    public func parents(of id: String) throws -> [String] {
        try read { db in
            var out: [String] = []
            try db.query("SELECT DISTINCT parent FROM edges WHERE child = ? ORDER BY parent", [.text(id)]) {
                out.append($0.text(0))
            }
            return out
        }
    }

    /// Decodes a JSON object column.
    func decodeObject(_ text: String, what: String) throws -> [String: JSONValue] {
        if text == "{}" { return [:] }
        do {
            guard case .object(let object) = try JSONValue.parse(Data(text.utf8)) else {
                throw StoreError.invalidData(path: path.path, detail: "\(what) is not a JSON object: \(text)")
            }
            return object
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.invalidData(path: path.path, detail: "\(what) is not valid JSON (\(error)): \(text)")
        }
    }
}
