import Foundation

/// One line of a JSON Lines file: its exact bytes (without the line break and a `\r` before it) and where it came
/// from, so stages that pass records through can write them back byte for byte and errors can name `file:line`.
public struct JSONLine: Sendable {
    /// The line's bytes, without the trailing `\r\n` or `\n`.
    public var bytes: Data
    /// 1-based line number in the file (skipped blank lines still count).
    public var lineNumber: Int
    /// The file the line was read from, for error messages.
    public var file: URL

    /// A line read from `file`.
    public init(bytes: Data, lineNumber: Int, file: URL) {
        self.bytes = bytes
        self.lineNumber = lineNumber
        self.file = file
    }

    /// True when the line holds nothing but spaces and tabs.
    public var isBlank: Bool { JSONLines.isBlank(bytes) }

    /// The line parsed as a JSON object, or a `DataFileError` naming `file:line` and what is wrong.
    public func object() throws(DataFileError) -> [String: JSONValue] {
        do {
            return try JSONLines.object(bytes).get()
        } catch {
            throw DataFileError(file: file.path, line: lineNumber, message: error.message)
        }
    }
}

/// JSON Lines (one JSON value per line), read and written one way for every file lema reads or writes: records
/// passed between stages, datasets, gold and prediction files.
public enum JSONLines {
    /// What a blank line between records means.
    public enum BlankLines: Sendable {
        /// Not a record: dropped (records passed between stages).
        case skip
        /// Returned like any line, so a reader can report it instead of silently shifting the records after it
        /// (data a user hands in: a dataset, gold and prediction files). Blank lines at the very end still go.
        case keep
    }

    /// Reads the lines of a JSONL file (see `split`). Throws a `DataFileError` (line 0) when it cannot be read.
    public static func read(_ url: URL, blankLines: BlankLines = .skip) throws(DataFileError) -> [JSONLine] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DataFileError(file: url.path, line: 0, message: "cannot read the file: \(error.localizedDescription)")
        }
        return split(data, file: url, blankLines: blankLines)
    }

    /// Splits JSONL bytes into lines on `\n` (a `\r` before it is dropped); blank lines as `blankLines` says.
    public static func split(_ data: Data, file: URL, blankLines: BlankLines = .skip) -> [JSONLine] {
        var lines: [JSONLine] = []
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            var lineNumber = 0
            func emit(_ end: Int) {
                lineNumber += 1
                var stop = end
                if stop > start, bytes[stop - 1] == UInt8(ascii: "\r") { stop -= 1 }
                var blank = true
                for i in start..<stop where !isSpace(bytes[i]) { blank = false; break }
                if !blank || blankLines == .keep {
                    lines.append(JSONLine(bytes: Data(UnsafeRawBufferPointer(rebasing: raw[start..<stop])),
                                          lineNumber: lineNumber, file: file))
                }
            }
            for i in 0..<bytes.count where bytes[i] == UInt8(ascii: "\n") {
                emit(i)
                start = i + 1
            }
            if start < bytes.count { emit(bytes.count) }
        }
        if blankLines == .keep { while let last = lines.last, last.isBlank { lines.removeLast() } }
        return lines
    }

    /// One line's bytes as a JSON object, or the problem in words (without file and line).
    public static func object(_ bytes: Data) -> Result<[String: JSONValue], JSONLineProblem> {
        if isBlank(bytes) {
            return .failure(JSONLineProblem("blank line (each line must hold one JSON object)"))
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            return .failure(JSONLineProblem("not valid JSON: \(preview(bytes))"))
        }
        guard let object = value.objectValue else {
            return .failure(JSONLineProblem("expected a JSON object, found \(kindName(value))"))
        }
        return .success(object)
    }

    /// The string field `key` of a record, or why not.
    public static func string(_ object: [String: JSONValue], _ key: String) -> Result<String, JSONLineProblem> {
        switch object[key] {
        case .none: .failure(JSONLineProblem("missing field \"\(key)\""))
        case .string(let s)?: .success(s)
        case let other?: .failure(JSONLineProblem("field \"\(key)\" must be a string, found \(kindName(other))"))
        }
    }

    /// "a string", "a number", … for messages.
    public static func kindName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Writes values as JSONL with canonical text (sorted keys, compact), atomically.
    public static func write(_ values: [JSONValue], to url: URL) throws {
        var text = ""
        for value in values {
            text += value.canonicalText
            text += "\n"
        }
        try AtomicFile.write(Data(text.utf8), to: url)
    }

    /// Writes raw record bytes, one per line, atomically (for stages that pass records through unchanged).
    public static func write(lines: [Data], to url: URL) throws {
        var out = Data(capacity: lines.reduce(0) { $0 + $1.count + 1 })
        for line in lines {
            out.append(line)
            out.append(UInt8(ascii: "\n"))
        }
        try AtomicFile.write(out, to: url)
    }

    /// The first 60 characters of a line, for messages.
    static func preview(_ bytes: Data) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.count > 60 ? text.prefix(57) + "..." : text
    }

    /// True when a line holds nothing but spaces and tabs.
    static func isBlank(_ bytes: Data) -> Bool { bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 } }

    @inline(__always)
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}

/// What is wrong with one line, in words; the reader attaches the file and line.
public struct JSONLineProblem: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// A problem described by `message`.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

/// A problem with one line of a data file (or the whole file: line 0), named by file and 1-based line:
/// `gold.jsonl:12: missing field "prompt"`. Bad input that retrying cannot fix (`PermanentError`).
public struct DataFileError: PermanentError, CustomStringConvertible, Hashable {
    /// The file, as given to the reader.
    public var file: String
    /// 1-based line number; 0 when the problem concerns the whole file.
    public var line: Int
    /// What is wrong.
    public var message: String

    /// A problem of `file` at `line` (0: the whole file).
    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message` (or `file: message` for the whole file).
    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

/// An error that trying again cannot fix (bad input data): the engine does not retry a node that throws one.
public protocol PermanentError: Error, Sendable {}
