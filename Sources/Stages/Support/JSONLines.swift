import Foundation
import LemaCore
import StageAPI

/// One record of a JSONL file: its exact bytes (without the line break) and where it came from, so stages that
/// pass records through can write them back byte for byte and errors can name `file:line`.
public struct JSONLine: Sendable {
    /// The line's bytes, without the trailing `\n`.
    public var bytes: Data
    /// 1-based line number in the file (blank lines are skipped but still counted).
    public var lineNumber: Int
    /// The file the line was read from, for error messages.
    public var file: URL

    public init(bytes: Data, lineNumber: Int, file: URL) {
        self.bytes = bytes
        self.lineNumber = lineNumber
        self.file = file
    }

    /// The line parsed as a JSON object, or a non-retryable `StageFailure` naming `file:line`.
    public func object() throws -> [String: JSONValue] {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw StageFailure("\(file.path):\(lineNumber): not valid JSON: \(error) (\(Self.preview(bytes)))",
                               retryable: false)
        }
        guard let object = value.objectValue else {
            throw StageFailure("\(file.path):\(lineNumber): expected a JSON object, found \(Self.preview(bytes))",
                               retryable: false)
        }
        return object
    }

    private static func preview(_ bytes: Data) -> String {
        let text = String(decoding: bytes.prefix(60), as: UTF8.self)
        return bytes.count > 60 ? text + "…" : text
    }
}

/// Reading and writing JSONL (one compact JSON value per line).
public enum JSONLines {
    /// Reads the records of a JSONL file in order. Lines that are empty or only whitespace are not records and are
    /// skipped; every other line is returned with its bytes untouched (a `\r` before `\n` is dropped).
    public static func read(_ url: URL) throws -> [JSONLine] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw StageFailure("cannot read \(url.path): \(error.localizedDescription)", retryable: false)
        }
        return split(data, file: url)
    }

    /// Splits JSONL bytes into records (see `read`).
    public static func split(_ data: Data, file: URL) -> [JSONLine] {
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
                if !blank {
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
        return lines
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

    @inline(__always)
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
