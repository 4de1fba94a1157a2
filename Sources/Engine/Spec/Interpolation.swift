import LemaCore

/// `${params.NAME}` interpolation. `$${` writes a literal `${`.
enum Interpolation {
    enum Segment: Equatable {
        case literal(String)
        case param(String)
    }

    struct Failure: Error { var message: String }

    /// Splits a string into literal text and parameter uses. Throws for a malformed or unsupported `${…}`.
    static func segments(_ text: String) throws(Failure) -> [Segment] {
        var out: [Segment] = []
        var literal = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            literal += rest[..<dollar]
            let after = rest[dollar...].dropFirst()
            if after.hasPrefix("${") {  // `$${` → literal `${`
                literal += "${"
                rest = after.dropFirst(2)
                continue
            }
            guard after.hasPrefix("{") else {
                literal += "$"
                rest = after
                continue
            }
            guard let close = after.firstIndex(of: "}") else {
                throw Failure(message: "unterminated '${' in '\(text)': write ${params.NAME} (or $${ for a literal '${')")
            }
            let inner = String(after[after.index(after: after.startIndex)..<close])
            guard inner.hasPrefix("params."), isParamName(inner.dropFirst(7)) else {
                throw Failure(message: "unsupported interpolation '${\(inner)}': only ${params.NAME} is supported (write $${ for a literal '${')")
            }
            if !literal.isEmpty { out.append(.literal(literal)); literal = "" }
            out.append(.param(String(inner.dropFirst(7))))
            rest = after[after.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty || out.isEmpty { out.append(.literal(literal)) }
        return out
    }

    static func isParamName(_ s: Substring) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || first.properties.isAlphabetic && first.isASCII else {
            return false
        }
        return s.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0 == "-" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    }

    /// Parameter names used anywhere in a node (scalars only; keys are not interpolated).
    /// Returns false when a malformed `${…}` was reported.
    @discardableResult
    static func collectUses(_ node: YAMLNode, into names: inout [(String, SourceLocation)],
                            diagnostics: inout DiagnosticCollector) -> Bool {
        switch node.content {
        case .scalar(let s):
            guard s.text.contains("$") else { return true }
            do {
                for case .param(let name) in try segments(s.text) { names.append((name, node.location)) }
                return true
            } catch {
                diagnostics.error(node.location, error.message)
                return false
            }
        case .sequence(let items):
            return items.reduce(true) { collectUses($1, into: &names, diagnostics: &diagnostics) && $0 }
        case .mapping(let pairs):
            return pairs.reduce(true) { collectUses($1.value, into: &names, diagnostics: &diagnostics) && $0 }
        }
    }

    /// The node with every `${params.x}` replaced by the variant's value. A scalar that is exactly `${params.x}`
    /// takes the parameter's typed value; otherwise the text form is spliced in and a plain scalar is re-read by
    /// the YAML rules (so `${params.k}000` is an integer).
    static func apply(_ node: YAMLNode, values: [String: JSONValue]) -> YAMLNode {
        switch node.content {
        case .scalar(let s):
            guard s.text.contains("$"), let parts = try? segments(s.text) else { return node }
            if parts.count == 1, case .param(let name) = parts[0], let value = values[name] {
                return YAMLNode(json: value, at: node.location)
            }
            var text = ""
            for part in parts {
                switch part {
                case .literal(let l): text += l
                case .param(let name): text += values[name].map(textForm) ?? ""
                }
            }
            return YAMLNode(.scalar(YAMLScalar(text, style: s.style, tag: s.tag)), at: node.location)
        case .sequence(let items):
            return YAMLNode(.sequence(items.map { apply($0, values: values) }), at: node.location)
        case .mapping(let pairs):
            return YAMLNode(.mapping(pairs.map {
                YAMLPair(key: $0.key, keyLocation: $0.keyLocation, value: apply($0.value, values: values))
            }), at: node.location)
        }
    }

    /// How a value reads when spliced into text: strings as they are, everything else as canonical JSON.
    static func textForm(_ value: JSONValue) -> String {
        if case .string(let s) = value { return s }
        return value.canonicalText
    }
}

extension YAMLNode {
    /// A node equivalent to a JSON value (strings quoted so they stay strings; mapping keys sorted).
    init(json: JSONValue, at location: SourceLocation) {
        switch json {
        case .string(let s): self.init(.scalar(YAMLScalar(s, style: .doubleQuoted)), at: location)
        case .array(let items): self.init(.sequence(items.map { YAMLNode(json: $0, at: location) }), at: location)
        case .object(let o):
            self.init(.mapping(o.keys.sorted().map {
                YAMLPair(key: $0, keyLocation: location, value: YAMLNode(json: o[$0] ?? .null, at: location))
            }), at: location)
        default: self.init(.scalar(YAMLScalar(json.canonicalText)), at: location)
        }
    }
}
