import Engine
import Foundation
import LemaCore

/// Reads a finished run's state the way tests check it: through the store, not the CLI's text.
public enum RunState {
    /// `runs/<run>/state.sqlite` under a scratch directory.
    public static func store(_ dir: URL, run: String) throws -> Store {
        try Store(path: dir.appendingPathComponent("runs/\(run)/state.sqlite"))
    }

    /// Stage name → summary of its succeeded node (a stage with one node per run, as in the tests' pipelines).
    public static func summaries(_ dir: URL, run: String) throws -> [String: [String: JSONValue]] {
        let store = try store(dir, run: run)
        defer { try? store.close() }
        var out: [String: [String: JSONValue]] = [:]
        for record in try store.nodeRecords().values where record.status == .succeeded {
            out[record.stage] = record.summary
        }
        return out
    }

    /// Every cached endpoint response's key.
    public static func cachedKeys(_ dir: URL, run: String) throws -> Set<String> {
        let store = try store(dir, run: run)
        defer { try? store.close() }
        return Set(try store.responseKeys())
    }
}
