import LemaCore
import StageAPI

/// Checks a (resolved) YAML value against a declared `ParameterType` and turns it into the JSON value that is
/// fingerprinted. Numbers for `.double` parameters are stored as doubles, so `1` and `1.0` fingerprint the same.
struct ParameterChecker {
    var diagnostics: DiagnosticCollector

    /// The checked value, or nil after reporting why it does not fit. `nullable`: the parameter's default is null,
    /// so writing null explicitly is allowed.
    mutating func check(_ node: YAMLNode, _ type: ParameterType, path: String, nullable: Bool) -> JSONValue? {
        if let s = node.scalar, s.isNull {
            if nullable || type == .any { return .null }
            return fail(node, type, path)
        }
        switch type {
        case .any:
            switch node.jsonValue() {
            case .success(let v): return v
            case .failure(let d): diagnostics.error(d.location, d.message); return nil
            }
        case .int:
            if case .int(let i)? = scalarValue(node) { return .int(i) }
        case .double:
            switch scalarValue(node) {
            case .int(let i)?: return .double(Double(i))
            case .double(let d)?: return .double(d)
            default: break
            }
        case .bool:
            if case .bool(let b)? = scalarValue(node) { return .bool(b) }
        case .string, .reference:
            if let text = stringText(node) { return .string(text) }
        case .choice(let choices):
            guard let text = stringText(node) else { break }
            if choices.contains(text) { return .string(text) }
            diagnostics.error(node.location, "expected \(type) for '\(path)', got '\(SpecLimits.shown(text))'"
                              + Suggestions.hint(for: text, in: choices))
            return nil
        case .references, .gather:
            if let text = stringText(node) { return .array([.string(text)]) }
            guard let items = node.sequence else { break }
            var out: [JSONValue] = []
            for (i, item) in items.enumerated() {
                guard let v = check(item, .reference, path: "\(path)[\(i)]", nullable: false) else { return nil }
                out.append(v)
            }
            return .array(out)
        case .list(let element):
            guard let items = node.sequence else { break }
            var out: [JSONValue] = []
            out.reserveCapacity(items.count)
            var ok = true
            for (i, item) in items.enumerated() {
                if let v = check(item, element, path: "\(path)[\(i)]", nullable: false) { out.append(v) } else { ok = false }
            }
            return ok ? .array(out) : nil
        case .map(let element):
            guard let pairs = node.mapping else { break }
            var out: [String: JSONValue] = [:]
            var ok = true
            for pair in pairs {
                if let v = check(pair.value, element, path: "\(path).\(pair.key)", nullable: false) { out[pair.key] = v } else { ok = false }
            }
            return ok ? .object(out) : nil
        }
        return fail(node, type, path)
    }

    private mutating func fail(_ node: YAMLNode, _ type: ParameterType, _ path: String) -> JSONValue? {
        diagnostics.error(node.location, "expected \(type) for '\(SpecLimits.shown(path))', got \(node.shortDescription)")
        return nil
    }

    /// The scalar's typed value (nil for collections and unresolvable scalars, which then count as a type mismatch).
    private func scalarValue(_ node: YAMLNode) -> JSONValue? {
        guard let s = node.scalar, case .success(let v) = YAMLScalarResolver.resolve(s) else { return nil }
        return v
    }

    /// Text of a scalar used where a string is expected: numbers and booleans keep the text as written
    /// (`version: 3.10` is "3.10", not 3.1).
    private func stringText(_ node: YAMLNode) -> String? {
        guard let s = node.scalar, !s.isNull else { return nil }
        return s.text
    }
}
