import Foundation

/// The one JSON parser of lema (`JSONValue.parse`): strict, straight into `JSONValue`, without Foundation's decoder
/// (whose path through `JSONValue`'s try-each-type `Codable` init is an order of magnitude slower per record, which
/// dominates reading large JSONL files). Integers without fraction or exponent that fit in 64 bits become `.int`,
/// every other number `.double` (`1.0` stays a double). Nesting is capped at 512 levels.
public enum JSONParser {
    /// Parses one JSON value that must fill `data` (surrounding whitespace allowed). Throws `JSONParseError`.
    public static func parse(_ data: Data) throws -> JSONValue {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> JSONValue in
            var cursor = Cursor(bytes: raw.bindMemory(to: UInt8.self))
            let value = try cursor.value(depth: 0)
            cursor.skipSpace()
            if cursor.index != cursor.bytes.count { throw cursor.error("unexpected text after the value") }
            return value
        }
    }

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func error(_ message: String) -> JSONParseError { JSONParseError(offset: index, message: message) }

        mutating func skipSpace() {
            while index < bytes.count {
                let b = bytes[index]
                guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
                index += 1
            }
        }

        mutating func value(depth: Int) throws -> JSONValue {
            guard depth < 512 else { throw error("nesting deeper than 512 levels") }
            skipSpace()
            guard index < bytes.count else { throw error("expected a value, found the end") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw error("unexpected character '\(Unicode.Scalar(bytes[index]))'")
            }
        }

        mutating func literal(_ word: StaticString) throws {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw error("expected '\(word)'") }
            for k in 0..<count where bytes[index + k] != word.utf8Start[k] { throw error("expected '\(word)'") }
            index += count
        }

        mutating func object(depth: Int) throws -> JSONValue {
            index += 1  // {
            var out: [String: JSONValue] = [:]
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(out) }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a key string") }
                let key = try string()
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
                index += 1
                out[key] = try value(depth: depth + 1)
                skipSpace()
                guard index < bytes.count else { throw error("unterminated object") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(out) }
                throw error("expected ',' or '}'")
            }
        }

        mutating func array(depth: Int) throws -> JSONValue {
            index += 1  // [
            var out: [JSONValue] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(out) }
            while true {
                out.append(try value(depth: depth + 1))
                skipSpace()
                guard index < bytes.count else { throw error("unterminated array") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(out) }
                throw error("expected ',' or ']'")
            }
        }

        mutating func string() throws -> String {
            index += 1  // opening quote
            let start = index
            // Fast path: no escapes.
            while index < bytes.count {
                let b = bytes[index]
                if b == UInt8(ascii: "\"") {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    return text
                }
                if b == UInt8(ascii: "\\") { break }
                if b < 0x20 { throw error("control character in a string") }
                index += 1
            }
            var utf8 = Array(bytes[start..<index])
            while index < bytes.count {
                let b = bytes[index]
                index += 1
                switch b {
                case UInt8(ascii: "\""): return String(decoding: utf8, as: UTF8.self)
                case UInt8(ascii: "\\"): try escape(into: &utf8)
                case 0..<0x20: index -= 1; throw error("control character in a string")
                default: utf8.append(b)
                }
            }
            throw error("unterminated string")
        }

        mutating func escape(into utf8: inout [UInt8]) throws {
            guard index < bytes.count else { throw error("unterminated escape") }
            let c = bytes[index]
            index += 1
            switch c {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(c)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code), index + 1 < bytes.count,
                   bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                    index += 2
                    let low = try hex4()
                    if (0xDC00..<0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        utf8.append(contentsOf: [0xEF, 0xBF, 0xBD])  // lone high surrogate
                        code = low
                    }
                }
                let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                utf8.append(contentsOf: Array(String(scalar).utf8))
            default: index -= 1; throw error("invalid escape '\\\(Unicode.Scalar(c))'")
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard index + 4 <= bytes.count else { throw error("expected four hex digits") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[index]
                let d: UInt32
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(b - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(b - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(b - UInt8(ascii: "A") + 10)
                default: throw error("expected a hex digit")
                }
                v = v << 4 | d
                index += 1
            }
            return v
        }

        mutating func number() throws -> JSONValue {
            let start = index
            var integral = true
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            let integerStart = index
            let integerDigits = digits()
            guard integerDigits > 0 else { throw error("expected digits") }
            if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") { throw error("leading zeros are not allowed") }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                integral = false
                index += 1
                guard digits() > 0 else { throw error("expected digits after '.'") }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                integral = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { throw error("expected exponent digits") }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            if integral, let i = Int64(text) { return .int(i) }
            guard let d = Double(text) else { throw error("number out of range") }
            return .double(d)
        }

        mutating func digits() -> Int {
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            return index - start
        }
    }
}

/// Malformed JSON: what was wrong and at which byte offset.
public struct JSONParseError: Error, CustomStringConvertible, Sendable {
    /// Byte offset of the problem in the parsed data.
    public var offset: Int
    /// What is wrong.
    public var message: String
    /// `message at byte N`.
    public var description: String { "\(message) at byte \(offset)" }
}
