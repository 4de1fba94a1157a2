import LemaCore

/// Turns YAML nodes into JSON values with the YAML 1.2 core schema: null/~, true/false, decimal, octal (0o) and
/// hex (0x) integers, floats; quoted and block scalars are always strings. Explicit `!!str`, `!!int`, `!!float`,
/// `!!bool`, `!!null` tags are honoured.
enum YAMLScalarResolver {
    static let tagPrefix = "tag:yaml.org,2002:"

    /// The JSON value of a scalar, or a message saying why it has none.
    static func resolve(_ scalar: YAMLScalar) -> Result<JSONValue, ResolveFailure> {
        if let tag = scalar.tag {
            switch tag {
            case "!", tagPrefix + "str": return .success(.string(scalar.text))
            case tagPrefix + "null": return .success(.null)
            case tagPrefix + "bool":
                if let b = bool(scalar.text) { return .success(.bool(b)) }
                return .failure(.init("'\(scalar.text)' is not a boolean (!!bool takes true or false)"))
            case tagPrefix + "int":
                if let i = int(scalar.text) { return .success(.int(i)) }
                return .failure(.init("'\(scalar.text)' is not an integer (!!int)"))
            case tagPrefix + "float":
                if let i = int(scalar.text) { return .success(.double(Double(i))) }
                if let d = float(scalar.text) { return checkFinite(d, scalar.text) }
                return .failure(.init("'\(scalar.text)' is not a number (!!float)"))
            default:
                let shown = tag.hasPrefix(tagPrefix) ? "!!" + tag.dropFirst(tagPrefix.count) : tag
                return .failure(.init("unsupported YAML tag '\(shown)' (supported: !!str, !!int, !!float, !!bool, !!null)"))
            }
        }
        guard scalar.style == .plain else { return .success(.string(scalar.text)) }
        let text = scalar.text
        if YAMLScalar.nullWords.contains(text) { return .success(.null) }
        if let b = bool(text) { return .success(.bool(b)) }
        if let i = int(text) { return .success(.int(i)) }
        if let d = float(text) { return checkFinite(d, text) }
        if [".inf", ".Inf", ".INF", "+.inf", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN"].contains(text) {
            return .failure(.init("'\(text)' is not supported: values must be representable in JSON"))
        }
        return .success(.string(text))
    }

    struct ResolveFailure: Error { var message: String; init(_ m: String) { message = m } }

    static func checkFinite(_ d: Double, _ text: String) -> Result<JSONValue, ResolveFailure> {
        d.isFinite ? .success(.double(d)) : .failure(.init("'\(text)' is out of range for a number"))
    }

    static func bool(_ t: String) -> Bool? {
        switch t {
        case "true", "True", "TRUE": true
        case "false", "False", "FALSE": false
        default: nil
        }
    }

    /// `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`. Values beyond Int64 are not integers (they read as floats).
    static func int(_ t: String) -> Int64? {
        var u = Substring(t)
        if u.hasPrefix("0o") { return Int64(u.dropFirst(2), radix: 8) }
        if u.hasPrefix("0x") { return Int64(u.dropFirst(2), radix: 16) }
        var negative = false
        if let f = u.first, f == "-" || f == "+" { negative = f == "-"; u = u.dropFirst() }
        guard !u.isEmpty, u.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        guard let magnitude = Int64(u) else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    static func float(_ t: String) -> Double? {
        let b = Array(t.utf8)
        var i = 0
        func digits() -> Int { let s = i; while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }; return i - s }
        if i < b.count, b[i] == 43 || b[i] == 45 { i += 1 }
        let whole = digits()
        var fraction = 0
        if i < b.count, b[i] == 46 { i += 1; fraction = digits(); if whole == 0 && fraction == 0 { return nil } }
        else if whole == 0 { return nil }
        if i < b.count, b[i] == 101 || b[i] == 69 {
            i += 1
            if i < b.count, b[i] == 43 || b[i] == 45 { i += 1 }
            if digits() == 0 { return nil }
        }
        guard i == b.count else { return nil }
        return Double(t)
    }
}

extension YAMLNode {
    /// The whole subtree as a JSON value; the first unresolvable scalar is reported with its location.
    func jsonValue() -> Result<JSONValue, SpecDiagnostic> {
        switch content {
        case .scalar(let s):
            return YAMLScalarResolver.resolve(s).mapError { SpecDiagnostic(location: location, message: $0.message) }
        case .sequence(let items):
            var out: [JSONValue] = []
            out.reserveCapacity(items.count)
            for item in items {
                switch item.jsonValue() {
                case .success(let v): out.append(v)
                case .failure(let d): return .failure(d)
                }
            }
            return .success(.array(out))
        case .mapping(let pairs):
            var out: [String: JSONValue] = [:]
            for pair in pairs {
                switch pair.value.jsonValue() {
                case .success(let v): out[pair.key] = v
                case .failure(let d): return .failure(d)
                }
            }
            return .success(.object(out))
        }
    }
}
