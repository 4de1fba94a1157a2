import Foundation
import LemaCore
import Math
import StageAPI

/// Reading and writing `Problem` JSONL files (the `dataset` stage's artifacts).
enum ProblemFiles {
    static func write(_ problems: [Problem], to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for problem in problems {
            data.append(try encoder.encode(problem))
            data.append(UInt8(ascii: "\n"))
        }
        try AtomicFile.write(data, to: url)
    }

    static func read(_ url: URL) throws -> [Problem] {
        let decoder = JSONDecoder()
        return try JSONLines.read(url).map { line in
            do {
                return try decoder.decode(Problem.self, from: line.bytes)
            } catch {
                throw StageFailure("\(url.path):\(line.lineNumber): not a problem record (\(error))", retryable: false)
            }
        }
    }

    /// Problems of every input bound to `parameter` (a dataset split each), concatenated in spec order. A reference
    /// to a whole `dataset` stage means its `split` artifact (e.g. `dev` for evaluate's `dev`, `pool` for mix's
    /// `pool`), not always `train`.
    static func read(_ context: any StageContext, parameter: String, split: String) throws -> [Problem] {
        try context.inputs(parameter).flatMap { try read($0.file(default: split)) }
    }
}

/// Compact JSON objects with sorted keys — the one encoding every LeMa artifact line uses, so bytes are stable.
enum RecordLine {
    static func encode(_ fields: [String: JSONValue]) -> Data {
        Data(JSONValue.object(fields).canonicalText.utf8)
    }

    static func write(_ lines: [Data], to url: URL) throws {
        var data = Data()
        data.reserveCapacity(lines.reduce(0) { $0 + $1.count + 1 })
        for line in lines {
            data.append(line)
            data.append(UInt8(ascii: "\n"))
        }
        try AtomicFile.write(data, to: url)
    }

    /// The number in a record field, or nil for JSON null / absent.
    static func number(_ value: Double?) -> JSONValue {
        guard let value else { return .null }
        if value.rounded() == value, abs(value) < 1e15 { return .int(Int64(value)) }
        return .double(value)
    }
}
