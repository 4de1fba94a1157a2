import LemaCore

/// `--set key=value` overrides, applied to the YAML tree before it is read so that every check (types, unknown
/// keys, interpolation) treats an override exactly like a value written in the spec.
///
/// Keys: `PARAM` or `params.PARAM` (a parameter declared under `params:`), `seed`, `replicates`, `name`, and
/// `stages.STAGE.KEY` (any key a stage accepts, including `retries`, `timeout`, `threads`).
/// Locations of problems are `--set:N:COL` where N is the 1-based position of the `--set` argument.
enum Overrides {
    static let fileName = "--set"

    /// Returns the edited tree and, for each overridden pipeline parameter, where its `--set` was given
    /// (the sweep refuses to sweep a parameter that `--set` pins).
    static func apply(_ overrides: [String], to root: YAMLNode,
                      diagnostics: inout DiagnosticCollector) -> (YAMLNode, [String: SourceLocation]) {
        var root = root
        var overridden: [String: SourceLocation] = [:]
        for (index, argument) in overrides.enumerated() {
            let line = index + 1
            let at = SourceLocation(file: fileName, line: line, column: 1)
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
                diagnostics.error(at, "bad --set '\(SpecLimits.shown(argument))': expected key=value (for example ratio=0.5)")
                continue
            }
            let key = String(argument[..<equals])
            let valueText = String(argument[argument.index(after: equals)...])
            let offset = key.count + 1
            let parser = YAMLParser(locate: { l, c in
                SourceLocation(file: fileName, line: line + l, column: offset + c + 1)
            })
            let valueAt = SourceLocation(file: fileName, line: line, column: offset + 1)
            let value = parser.parse(valueText, diagnostics: &diagnostics) ?? YAMLNode(.scalar(YAMLScalar("")), at: valueAt)
            guard root.mapping != nil else { continue }  // the reader reports the malformed spec
            let path = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            let declared = root["params"]?.value.mapping?.map(\.key) ?? []
            switch path.count {
            case 1 where path[0] == "seed" || path[0] == "name" || path[0] == "replicates":
                root = root.setting(path[0], to: value, keyLocation: at)
            case 1 where declared.contains(path[0]), 2 where path[0] == "params" && declared.contains(path[1]):
                let name = path[path.count - 1]
                root = root.updating("params") { $0.setting(name, to: value, keyLocation: at) }
                overridden[name] = at
            case _ where path.count == 1 || (path.count == 2 && path[0] == "params"):
                let name = path[path.count - 1]
                let list = declared.isEmpty ? "the spec declares no parameters" : "declared: " + declared.joined(separator: ", ")
                diagnostics.error(at, "unknown parameter '\(SpecLimits.shown(name))' in --set '\(SpecLimits.shown(argument))'"
                                  + Suggestions.hint(for: name, in: declared, orElse: " (\(SpecLimits.shown(list, limit: 400)))"))
            case 3 where path[0] == "stages":
                let stages = root["stages"]?.value.mapping?.map(\.key) ?? []
                guard stages.contains(path[1]) else {
                    diagnostics.error(at, "unknown stage '\(SpecLimits.shown(path[1]))' in --set '\(SpecLimits.shown(argument))'" + Suggestions.hint(for: path[1], in: stages))
                    continue
                }
                root = root.updating("stages") { stagesNode in
                    stagesNode.updating(path[1]) { $0.setting(path[2], to: value, keyLocation: at) }
                }
            default:
                diagnostics.error(at, "unknown key '\(SpecLimits.shown(key))' in --set '\(SpecLimits.shown(argument))': use PARAM=VALUE, seed=N, replicates=N, name=NAME or stages.STAGE.KEY=VALUE")
            }
        }
        return (root, overridden)
    }
}

extension YAMLNode {
    /// A mapping with `key` set to `value` (replacing the value in place, or appending the key).
    func setting(_ key: String, to value: YAMLNode, keyLocation: SourceLocation) -> YAMLNode {
        guard var pairs = mapping else { return self }
        if let i = pairs.firstIndex(where: { $0.key == key }) {
            pairs[i].value = value
        } else {
            pairs.append(YAMLPair(key: key, keyLocation: keyLocation, value: value))
        }
        return YAMLNode(.mapping(pairs), at: location)
    }

    /// A mapping with the value under `key` transformed (unchanged if the key is absent).
    func updating(_ key: String, _ transform: (YAMLNode) -> YAMLNode) -> YAMLNode {
        guard var pairs = mapping, let i = pairs.firstIndex(where: { $0.key == key }) else { return self }
        pairs[i].value = transform(pairs[i].value)
        return YAMLNode(.mapping(pairs), at: location)
    }
}
