import Foundation

/// A JSON value. Used for resolved stage parameters, stage summaries and ledger payloads where a schema-free value
/// is needed. `canonicalText` gives one byte sequence per value (sorted keys, no whitespace, shortest round-trip
/// numbers), which is what fingerprints hash.
public enum JSONValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    // MARK: Accessors

    /// The string, or nil for any other case.
    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    /// The boolean, or nil for any other case.
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    /// The elements, or nil for any other case.
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    /// The members, or nil for any other case.
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }
    /// True for `null`.
    public var isNull: Bool { if case .null = self { true } else { false } }

    /// An integer value; a double with no fractional part also counts.
    public var intValue: Int? {
        switch self {
        case .int(let i): Int(exactly: i)
        case .double(let d): d.rounded() == d && abs(d) < 9.0e15 ? Int(d) : nil
        default: nil
        }
    }

    /// A numeric value as a double (ints widen).
    public var doubleValue: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }

    /// The member `key` of an object (nil for a missing key or another case).
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { o[key] } else { nil }
    }

    // MARK: Canonical text

    /// Deterministic compact JSON: object keys sorted by UTF-8 bytes, no insignificant whitespace.
    public var canonicalText: String {
        var out = ""
        write(into: &out)
        return out
    }

    /// The canonical text.
    public var description: String { canonicalText }

    private func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += Self.format(d)
        case .string(let s): Self.quote(s, into: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                v.write(into: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            // Byte order of UTF-8 (not String's Unicode ordering) so the text is the same on every platform.
            for (i, key) in o.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if i > 0 { out += "," }
                Self.quote(key, into: &out)
                out += ":"
                o[key]!.write(into: &out)  // key comes from o.keys
            }
            out += "}"
        }
    }

    /// Shortest round-trip decimal; integral doubles keep a ".0" so they stay distinct from ints.
    static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d.rounded() == d && abs(d) < 1e16 { return String(Int64(d)) + ".0" }
        return "\(d)"
    }

    static func quote(_ s: String, into out: inout String) {
        out += "\""
        // Fast path: most strings (keys, names, numbers as text) need no escaping at all.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += s
            out += "\""
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    // MARK: Codable

    /// Decodes any JSON value (through `Codable`; `JSONValue.parse` is the fast path).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// Encodes the value as the JSON it is.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// Parses JSON text into a value (`JSONParser`): integers stay integers, `1.0` stays a double. Throws
    /// `JSONParseError` naming the byte offset.
    public static func parse(_ data: Data) throws -> JSONValue {
        try JSONParser.parse(data)
    }
}
