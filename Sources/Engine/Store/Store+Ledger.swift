import Foundation
import StageAPI

/// The item ledger: finished items of map-like nodes, recorded through the buffered writer.
extension Store {
    /// The ledger of one node, for its `StageContext`. Thread-safe; records are buffered (see `Store`).
    public func ledger(for node: String) -> any ItemLedger {
        StoreLedger(store: self, node: node)
    }

    /// Finished items of a node (committed and still buffered).
    public func ledgerCount(_ node: String) throws -> Int {
        try read { db in
            Int(try db.scalarInt("SELECT count(*) FROM ledger WHERE \(Self.ledgerRowsOfNode)", [.text(node)]) ?? 0)
        }
    }

    /// Finished items of a node: key → payload (committed and still buffered).
    public func ledgerItems(_ node: String) throws -> [String: Data] {
        try read { db in
            var items: [String: Data] = [:]
            try db.query("SELECT key, payload FROM ledger WHERE \(Self.ledgerRowsOfNode)", [.text(node)]) { row in
                items[row.text(0)] = row.blob(1)
            }
            return items
        }
    }

    /// Buffers one finished item; the first payload recorded for a key wins.
    public func recordItem(_ node: String, key: String, payload: Data) throws {
        let at = Date().timeIntervalSince1970
        try buffered { $0.ledger.append(.init(node: node, key: key, payload: payload, at: at)) }
    }
}

/// `ItemLedger` over the store for one node.
final class StoreLedger: ItemLedger {
    let store: Store
    let node: String

    init(store: Store, node: String) {
        self.store = store
        self.node = node
    }

    func finishedItems() throws -> [String: Data] { try store.ledgerItems(node) }
    func record(key: String, payload: Data) throws { try store.recordItem(node, key: key, payload: payload) }
    func flush() throws { try store.flush() }
}
