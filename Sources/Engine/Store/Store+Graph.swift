import Foundation
import LemaCore

/// Graph registration: nodes, edges, variants and their stage → node map.
extension Store {
    /// Records the graph (idempotent). New nodes start `pending`; nodes already known keep their status, attempts,
    /// ledger and outputs (only a changed stage name is refreshed). Edges are immutable per node (the fingerprint
    /// covers the inputs). Variants are replaced by the graph's when they differ: they describe the latest spec.
    /// Re-registering an unchanged graph only reads (a no-op rerun of 10,000 nodes must stay cheap).
    public func register(_ graph: Graph) throws {
        let now = Date()
        try write { db in
            var known: [String: String] = [:]  // id → stage
            known.reserveCapacity(graph.nodes.count)
            try db.query("SELECT id, stage FROM nodes") { known[$0.text(0)] = $0.text(1) }
            for node in graph.nodes {
                switch known[node.id] {
                case nil:
                    // Same fingerprint ⇒ same components, so they are only computed for new nodes.
                    try db.run("""
                        INSERT INTO nodes(id, stage, kind, kind_version, components, registered_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """, [.text(node.id), .text(node.stage), .text(node.kind), .int(node.kindVersion),
                              .text(Self.components(of: node)), .date(now), .date(now)])
                    known[node.id] = node.stage
                    for parameter in node.inputs.keys.sorted() {
                        for (position, edge) in (node.inputs[parameter] ?? []).enumerated() {
                            try db.run("""
                                INSERT OR IGNORE INTO edges(child, parameter, position, parent, artifact)
                                VALUES (?, ?, ?, ?, ?)
                                """, [.text(node.id), .text(parameter), .int(position), .text(edge.nodeID),
                                      edge.artifact.map { .text($0) }])
                        }
                    }
                case let stage? where stage != node.stage:
                    try db.run("UPDATE nodes SET stage = ?, updated_at = ? WHERE id = ?",
                               [.text(node.stage), .date(now), .text(node.id)])
                default:
                    break
                }
            }
            let stored = try storedVariants(db)
            let wanted = graph.variants
            if stored != wanted {
                try db.run("DELETE FROM variant_stages")
                try db.run("DELETE FROM variants")
                for (position, variant) in wanted.enumerated() {
                    try db.run("INSERT INTO variants(name, position, params) VALUES (?, ?, ?)",
                               [.text(variant.name), .int(position),
                                .text(JSONValue.object(variant.params).canonicalText)])
                    for (stage, node) in variant.stageNodes.sorted(by: { $0.key < $1.key }) {
                        try db.run("INSERT INTO variant_stages(variant, stage, node) VALUES (?, ?, ?)",
                                   [.text(variant.name), .text(stage), .text(node)])
                    }
                }
            }
        }
        bufferLock.lock()
        knownNodes.formUnion(graph.nodes.lazy.map(\.id))
        bufferLock.unlock()
    }

    /// Canonical JSON of what a node's fingerprint covers — the exact text that was hashed (for `lema why`).
    public static func components(of node: GraphNode) -> String {
        node.fingerprintComponents.canonicalText
    }

    /// Variants of the last registered graph, in spec order.
    public func variants() throws -> [VariantRecord] {
        try read { db in try storedVariants(db) }
    }

    private func storedVariants(_ db: SQLiteConnection) throws -> [VariantRecord] {
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
        try Self.decodeObject(text, what: what, path: path.path)
    }

    /// Decodes a JSON object column of the database at `path` (named in errors); shared with `StoreReader`.
    static func decodeObject(_ text: String, what: String, path: String) throws -> [String: JSONValue] {
        if text == "{}" { return [:] }
        do {
            guard case .object(let object) = try JSONValue.parse(Data(text.utf8)) else {
                throw StoreError.invalidData(path: path, detail: "\(what) is not a JSON object: \(text)")
            }
            return object
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.invalidData(path: path, detail: "\(what) is not valid JSON (\(error)): \(text)")
        }
    }
}
