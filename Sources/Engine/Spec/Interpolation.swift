import LemaCore

/// `${params.NAME}` interpolation. `$${` writes a literal `${`.
enum Interpolation {
    enum Segment: Equatable {
        case literal(String)
        case param(String)
    }

    struct Failure: Error { var message: String }

    /// Cheap pre-check (a byte scan; `String.contains(String)` goes through Foundation and is slow in bulk).
    static func mayInterpolate(_ text: String) -> Bool { text.utf8.contains(UInt8(ascii: "$")) }

    /// True when the text contains `${` anywhere.
    static func containsOpening(_ text: String) -> Bool {
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if previous == UInt8(ascii: "$"), byte == UInt8(ascii: "{") { return true }
            previous = byte
        }
        return false
    }

    /// Splits a string into literal text and parameter uses. Throws for a malformed or unsupported `${…}`.
    /// Works on UTF-8 bytes (`$`, `{` and `}` are ASCII), in one pass: values may be a megabyte long.
    static func segments(_ text: String) throws(Failure) -> [Segment] {
        let bytes = Array(text.utf8)
        let dollar = UInt8(ascii: "$"), open = UInt8(ascii: "{"), close = UInt8(ascii: "}")
        var out: [Segment] = []
        var literal: [UInt8] = []
        var i = 0
        while i < bytes.count {
            guard bytes[i] == dollar else {
                literal.append(bytes[i])
                i += 1
                continue
            }
            if i + 2 < bytes.count, bytes[i + 1] == dollar, bytes[i + 2] == open {  // `$${` → literal `${`
                literal += [dollar, open]
                i += 3
                continue
            }
            guard i + 1 < bytes.count, bytes[i + 1] == open else {
                literal.append(dollar)
                i += 1
                continue
            }
            guard let end = bytes[(i + 2)...].firstIndex(of: close) else {
                throw Failure(message: "unterminated '${' in '\(SpecLimits.shown(text))': write ${params.NAME} (or $${ for a literal '${')")
            }
            let inner = String(decoding: bytes[(i + 2)..<end], as: UTF8.self)
            guard inner.hasPrefix("params."), isParamName(inner.dropFirst(7)) else {
                throw Failure(message: "unsupported interpolation '${\(SpecLimits.shown(inner))}': only ${params.NAME} is supported (write $${ for a literal '${')")
            }
            if !literal.isEmpty { out.append(.literal(String(decoding: literal, as: UTF8.self))); literal = [] }
            out.append(.param(String(inner.dropFirst(7))))
            i = end + 1
        }
        if !literal.isEmpty || out.isEmpty { out.append(.literal(String(decoding: literal, as: UTF8.self))) }
        return out
    }

    /// `[A-Za-z_][A-Za-z0-9_-]*`: names of parameters and stages.
    static func isIdentifier(_ s: Substring) -> Bool {
        guard let first = s.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return s.utf8.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    static func isParamName(_ s: Substring) -> Bool { isIdentifier(s) }

    static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") }
    static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    /// Parameter names used anywhere in a node (scalars only; keys are not interpolated).
    /// Returns false when a malformed `${…}` was reported.
    @discardableResult
    static func collectUses(_ node: YAMLNode, into names: inout [(String, SourceLocation)],
                            diagnostics: inout DiagnosticCollector) -> Bool {
        switch node.content {
        case .scalar(let s):
            guard mayInterpolate(s.text) else { return true }
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
            guard mayInterpolate(s.text), let parts = try? segments(s.text) else { return node }
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
