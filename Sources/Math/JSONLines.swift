import Foundation
import LemaCore

/// JSON Lines reading shared by the loaders and the scorer.
enum JSONLines {
    /// The lines of `text` with their 1-based numbers, without the blank lines at the end (a final newline).
    /// Blank lines between records are kept, so that readers report them instead of silently shifting the records
    /// after them.
    static func lines(_ text: String) -> [(number: Int, text: Substring)] {
        var out: [(Int, Substring)] = []
        for (i, line) in TextLines.split(text).enumerated() {
            out.append((i + 1, TextLines.droppingCarriageReturn(line)))
        }
        while let last = out.last, last.1.allSatisfy(\.isWhitespace) { out.removeLast() }
        return out
    }

    /// One line as a JSON object, or a message saying why it is not one.
    static func object(_ line: Substring) -> Result<[String: JSONValue], LineProblem> {
        guard !line.allSatisfy(\.isWhitespace) else {
            return .failure(LineProblem("blank line (each line must hold one JSON object)"))
        }
        let preview = line.count > 60 ? line.prefix(57) + "..." : line
        guard let value = try? JSONValue.parse(Data(line.utf8)) else {
            return .failure(LineProblem("not valid JSON: \(preview)"))
        }
        guard let dict = value.objectValue else {
            return .failure(LineProblem("expected a JSON object, found \(kindName(value))"))
        }
        return .success(dict)
    }

    /// The string field `key`, or why not.
    static func string(_ object: [String: JSONValue], _ key: String) -> Result<String, LineProblem> {
        switch object[key] {
        case .none: .failure(LineProblem("missing field \"\(key)\""))
        case .string(let s)?: .success(s)
        case let other?: .failure(LineProblem("field \"\(key)\" must be a string, found \(kindName(other))"))
        }
    }

    /// "a string", "a number", … for messages.
    static func kindName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// A line-level problem message, attached to file and line by the caller.
struct LineProblem: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Line splitting on the `\n` scalar. Splitting a `String` by the `Character` "\n" would not split Windows line
/// ends, because `\r\n` is a single `Character`.
enum TextLines {
    static func split(_ text: String) -> [Substring] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { Substring($0) }
    }

    static func droppingCarriageReturn(_ line: Substring) -> Substring {
        line.unicodeScalars.last == "\r" ? Substring(line.unicodeScalars.dropLast()) : line
    }
}
