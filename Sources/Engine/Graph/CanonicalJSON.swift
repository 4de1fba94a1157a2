import LemaCore

/// Writes `JSONValue.canonicalText` byte for byte, faster: strings that need no escaping (identifiers,
/// fingerprints, most parameter values) are appended in one piece instead of scalar by scalar. Compiling a
/// 10,000-node sweep spends most of its time here. Tests check equality with `JSONValue.canonicalText`.
enum CanonicalJSON {
    static func text(_ value: JSONValue) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    static func write(_ value: JSONValue, into out: inout String) {
        switch value {
        case .string(let s): quote(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, into: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            var first = true
            for key in object.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                if !first { out += "," }
                first = false
                quote(key, into: &out)
                out += ":"
                if let v = object[key] { write(v, into: &out) }
            }
            out += "}"
        default: out += value.canonicalText  // null, bool, numbers: short
        }
    }

    static func quote(_ s: String, into out: inout String) {
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C }) {
            out += "\""
            out += s
            out += "\""
        } else {
            out += JSONValue.string(s).canonicalText
        }
    }

    /// `{"param":["fp",…],…}` with keys sorted: the inputs part of a fingerprint.
    static func inputsText(_ inputs: [String: [String]]) -> String {
        var out = "{"
        var first = true
        for key in inputs.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            if !first { out += "," }
            first = false
            quote(key, into: &out)
            out += ":["
            for (i, id) in (inputs[key] ?? []).enumerated() {
                if i > 0 { out += "," }
                quote(id, into: &out)
            }
            out += "]"
        }
        return out + "}"
    }
}
