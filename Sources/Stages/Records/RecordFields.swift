import Foundation
import LemaCore
import StageAPI

/// The fields of one record being read into a record type, with where it came from (`file:line`, or a ledger item)
/// so every missing or mistyped field is reported as `where: what`, naming the field.
struct RecordFields {
    let values: [String: JSONValue]
    /// `path:line`, or `ledger item 'key'`.
    let location: String
    /// What the record should be, for messages: "sample record".
    let record: String

    init(_ values: [String: JSONValue], location: String, record: String) {
        self.values = values
        self.location = location
        self.record = record
    }

    /// A line of a JSONL file (not a JSON object: an error naming `file:line`).
    init(_ line: JSONLine, record: String) throws {
        self.init(try line.object(), location: "\(line.file.path):\(line.lineNumber)", record: record)
    }

    /// A ledger payload this stage wrote itself (canonical JSON of one record).
    init(payload: Data, key: String, record: String) throws {
        let location = "ledger item '\(key)'"
        guard let object = (try? JSONValue.parse(payload))?.objectValue else {
            throw StageFailure("\(location): not a \(record) (the payload is not a JSON object); run `lema invalidate` "
                + "on this stage to redo it", retryable: false)
        }
        self.init(object, location: location, record: record)
    }

    /// Fails naming every one of `keys` that is absent, and what the record is (`label`, e.g. `p1#0`) if known.
    func require(_ keys: [String], label: String? = nil, hint: String) throws {
        let missing = keys.filter { values[$0] == nil }
        guard !missing.isEmpty else { return }
        let named = label.map { " \($0)" } ?? ""
        throw StageFailure("\(location): not a \(record)\(named): missing field\(missing.count == 1 ? "" : "s") "
            + missing.map { "'\($0)'" }.joined(separator: ", ") + "; \(hint)", retryable: false)
    }

    func string(_ key: String) throws -> String {
        guard let value = values[key]?.stringValue else { throw mistyped(key, "a string") }
        return value
    }

    func int(_ key: String) throws -> Int {
        guard let value = values[key]?.intValue else { throw mistyped(key, "an integer") }
        return value
    }

    func bool(_ key: String) throws -> Bool {
        guard let value = values[key]?.boolValue else { throw mistyped(key, "true or false") }
        return value
    }

    /// A number, or nil for JSON null (as `RecordLine.number` writes an absent answer).
    func number(_ key: String) throws -> Double? {
        guard let value = values[key] else { throw mistyped(key, "a number or null") }
        if value.isNull { return nil }
        guard let number = value.doubleValue else { throw mistyped(key, "a number or null") }
        return number
    }

    /// nil when absent or null; else as `read` reads it.
    func optional<T>(_ key: String, _ read: (String) throws -> T) throws -> T? {
        guard let value = values[key], !value.isNull else { return nil }
        return try read(key)
    }

    /// The failure for a field that is present but holds nothing usable (e.g. null where a number is needed).
    func missing(_ key: String, _ expected: String) -> StageFailure { mistyped(key, expected) }

    private func mistyped(_ key: String, _ expected: String) -> StageFailure {
        let found = values[key].map { String($0.canonicalText.prefix(40)) } ?? "nothing"
        return StageFailure("\(location): \(record) field '\(key)' must be \(expected), found \(found)",
                            retryable: false)
    }
}
