import Foundation
import LemaCore

/// The parts a fingerprint hashes, compared part by part to explain a rerun ("params changed: ratio 0.5 → 1").
/// Built from a graph node or parsed from the canonical JSON the store keeps in `NodeRecord.components`
/// (`{"inputs":{param:[ids]},"kind":…,"params":{…},"version":N}`).
struct FingerprintParts: Sendable, Hashable {
    var kind: String
    var version: Int
    var params: [String: JSONValue]
    /// Parameter → upstream fingerprints, in spec order.
    var inputs: [String: [String]]
    /// Parameter → upstream stage names (only known for the current graph's node; used in messages).
    var inputStages: [String: [String]] = [:]

    init(node: GraphNode) {
        kind = node.kind
        version = node.kindVersion
        params = node.params
        inputs = node.inputs.mapValues { $0.map(\.nodeID) }
        inputStages = node.inputs.mapValues { $0.map(\.stage) }
    }

    init?(componentsText: String) {
        guard let data = componentsText.data(using: .utf8),
              let value = try? JSONValue.parse(data), let object = value.objectValue,
              let kind = object["kind"]?.stringValue else { return nil }
        self.kind = kind
        version = object["version"]?.intValue ?? 0
        params = object["params"]?.objectValue ?? [:]
        var inputs: [String: [String]] = [:]
        for (param, ids) in object["inputs"]?.objectValue ?? [:] {
            inputs[param] = (ids.arrayValue ?? []).compactMap(\.stringValue)
        }
        self.inputs = inputs
    }

    /// Human-readable differences of `self` (now) from `old` (the earlier run), most telling first.
    func differences(from old: FingerprintParts) -> [String] {
        var out: [String] = []
        if kind != old.kind { out.append("kind changed: \(old.kind) → \(kind)") }
        if version != old.version { out.append("kind version changed: \(old.version) → \(version)") }
        let changedParams = Set(params.keys).union(old.params.keys).sorted().compactMap { key -> String? in
            let now = params[key], before = old.params[key]
            guard now != before else { return nil }
            return "\(key) \(Self.show(before)) → \(Self.show(now))"
        }
        if !changedParams.isEmpty {
            out.append("params changed: " + changedParams.joined(separator: ", ") + " since last run")
        }
        for param in Set(inputs.keys).union(old.inputs.keys).sorted() where inputs[param] != old.inputs[param] {
            var seen = Set<String>()
            let stages = (inputStages[param] ?? []).filter { seen.insert($0).inserted }
            let label = stages.isEmpty ? param : stages.joined(separator: ", ")
            out.append("input \(label) changed")
        }
        return out
    }

    private static func show(_ value: JSONValue?) -> String {
        guard let value else { return "(unset)" }
        if case .string(let s) = value { return s }
        return value.canonicalText
    }
}
