import Foundation
import LemaCore

/// The parts a fingerprint hashes, compared part by part to explain a rerun ("params changed: ratio 0.5 → 1").
/// Built from a graph node or parsed from the canonical JSON the store keeps in `NodeRecord.components`
/// (`{"inputs":{param:[ids]},"kind":…,"params":{…},"seed":N,"version":N}`). The one place that words a
/// fingerprint change: `lema run`'s plan, `lema status` and `lema why` all show these texts.
struct FingerprintParts: Sendable, Hashable {
    var kind: String
    var version: Int
    /// The pipeline seed (nil in components written before seeds were part of them).
    var seed: UInt64?
    var params: [String: JSONValue]
    /// Parameter → upstream fingerprints, in spec order.
    var inputs: [String: [String]]
    /// Parameter → upstream stage names (only known for the current graph's node; used in messages).
    var inputStages: [String: [String]] = [:]

    init(node: GraphNode) {
        kind = node.kind
        version = node.kindVersion
        seed = node.seed
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
        seed = object["seed"].flatMap { value -> UInt64? in
            if case .int(let n) = value { return UInt64(exactly: n) }
            return value.doubleValue.flatMap { UInt64(exactly: $0) }
        }
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
        if let seed, let before = old.seed, seed != before { out.append("seed changed: \(before) → \(seed)") }
        let changedParams = Set(params.keys).union(old.params.keys).sorted().flatMap { key in
            Self.changes(key, before: old.params[key], now: params[key])
        }
        if !changedParams.isEmpty {
            out.append("params changed: " + changedParams.joined(separator: ", ") + " since last run")
        }
        for changed in changedInputs(from: old) { out.append("input \(changed.joined(separator: ", ")) changed") }
        return out
    }

    /// Per input parameter that differs from `old` (in parameter order): the upstream stages it names whose
    /// fingerprints changed — just those at changed positions when the list kept its length, else all of them.
    func changedInputs(from old: FingerprintParts) -> [[String]] {
        Set(inputs.keys).union(old.inputs.keys).sorted().compactMap { param -> [String]? in
            let now = inputs[param] ?? [], before = old.inputs[param] ?? []
            guard now != before else { return nil }
            let stages = inputStages[param] ?? []
            var changed: [String] = []
            if now.count == before.count {
                // Same shape: name just the upstream stages whose fingerprint differs.
                for (k, id) in now.enumerated() where id != before[k] {
                    let label = k < stages.count ? stages[k] : param
                    if !changed.contains(label) { changed.append(label) }
                }
            } else {
                changed = stages.isEmpty ? [param] : stages.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
            }
            return changed
        }
    }

    /// `key a → b`, or per element (`argv[3] 0.5 → 1`) for lists of equal length and per key for mappings, so
    /// a changed `${params.x}` inside a long argv reads as the value that changed.
    private static func changes(_ key: String, before: JSONValue?, now: JSONValue?) -> [String] {
        guard before != now else { return [] }
        if case .array(let a)? = before, case .array(let b)? = now, a.count == b.count {
            return a.indices.flatMap { changes("\(key)[\($0)]", before: a[$0], now: b[$0]) }
        }
        if case .object(let a)? = before, case .object(let b)? = now {
            return Set(a.keys).union(b.keys).sorted().flatMap { changes("\(key).\($0)", before: a[$0], now: b[$0]) }
        }
        return ["\(key) \(show(before)) → \(show(now))"]
    }

    private static func show(_ value: JSONValue?) -> String {
        guard let value else { return "(unset)" }
        if case .string(let s) = value { return s }
        return value.canonicalText
    }
}
