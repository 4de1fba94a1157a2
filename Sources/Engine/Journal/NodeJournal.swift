import Foundation
import LemaCore
import StageAPI

/// What a node running in a cluster job tells its controller: everything a local node writes to the store, as
/// records the controller imports. The job is the journal's only writer and the controller its only reader, so no
/// database is shared across machines (SQLite's WAL needs shared memory that network filesystems do not give).
public enum JournalRecord: Sendable, Hashable {
    /// A finished item of the node's ledger.
    case item(key: String, payload: Data)
    /// A metric point (`StageContext.metric`).
    case metric(name: String, step: Int, value: Double)
    /// An event for the node's event log (`kind` is `log` for `StageContext.log`).
    case event(kind: String, message: String)
    /// A checkpoint file (relative to the node's checkpoint directory) is durable.
    case checkpoint(step: Int, file: String)
    /// The node's progress (`StageContext.progress`); only the latest counts.
    case progress(done: Int, total: Int?, note: String?)
    /// A model-endpoint response the node fetched (the controller adds it to the run's request cache).
    case response(key: String, endpoint: String, model: String, response: CachedResponse)
    /// The node's result; the last record of a successful run.
    case outcome(StageOutcome)
    /// The stage failed with this message (retryable or not).
    case failure(message: String, retryable: Bool)

    /// One JSON object (one line of the journal, without its newline).
    var json: JSONValue {
        switch self {
        case .item(let key, let payload):
            return .object(["t": .string("item"), "key": .string(key), "payload": .string(payload.base64EncodedString())])
        case .metric(let name, let step, let value):
            return .object(["t": .string("metric"), "name": .string(name), "step": .int(Int64(step)), "value": .double(value)])
        case .event(let kind, let message):
            return .object(["t": .string("event"), "kind": .string(kind), "message": .string(message)])
        case .checkpoint(let step, let file):
            return .object(["t": .string("checkpoint"), "step": .int(Int64(step)), "file": .string(file)])
        case .progress(let done, let total, let note):
            return .object(["t": .string("progress"), "done": .int(Int64(done)), "total": total.map { .int(Int64($0)) } ?? .null,
                            "note": note.map(JSONValue.string) ?? .null])
        case .response(let key, let endpoint, let model, let r):
            return .object(["t": .string("response"), "key": .string(key), "endpoint": .string(endpoint),
                            "model": .string(model), "body": .string(r.body.base64EncodedString()),
                            "prompt_tokens": .int(Int64(r.promptTokens)), "completion_tokens": .int(Int64(r.completionTokens))])
        case .outcome(let outcome):
            return .object(["t": .string("outcome"), "artifacts": .object(outcome.artifacts.mapValues(JSONValue.string)),
                            "summary": .object(outcome.summary)])
        case .failure(let message, let retryable):
            return .object(["t": .string("failure"), "message": .string(message), "retryable": .bool(retryable)])
        }
    }

    /// The record of one journal line, or nil when the line is not one (the caller reports where).
    init?(json: JSONValue) {
        func int(_ key: String) -> Int? { json[key]?.intValue }
        func string(_ key: String) -> String? { json[key]?.stringValue }
        switch string("t") {
        case "item":
            guard let key = string("key"), let payload = string("payload").flatMap({ Data(base64Encoded: $0) }) else { return nil }
            self = .item(key: key, payload: payload)
        case "metric":
            guard let name = string("name"), let step = int("step"), let value = json["value"]?.doubleValue else { return nil }
            self = .metric(name: name, step: step, value: value)
        case "event":
            guard let kind = string("kind"), let message = string("message") else { return nil }
            self = .event(kind: kind, message: message)
        case "checkpoint":
            guard let step = int("step"), let file = string("file") else { return nil }
            self = .checkpoint(step: step, file: file)
        case "progress":
            guard let done = int("done") else { return nil }
            self = .progress(done: done, total: int("total"), note: string("note"))
        case "response":
            guard let key = string("key"), let endpoint = string("endpoint"), let model = string("model"),
                  let body = string("body").flatMap({ Data(base64Encoded: $0) }), let prompt = int("prompt_tokens"),
                  let completion = int("completion_tokens") else { return nil }
            self = .response(key: key, endpoint: endpoint, model: model,
                             response: CachedResponse(body: body, promptTokens: prompt, completionTokens: completion))
        case "outcome":
            guard let artifacts = json["artifacts"]?.objectValue, let summary = json["summary"]?.objectValue else { return nil }
            var paths: [String: String] = [:]
            for (name, value) in artifacts {
                guard let path = value.stringValue else { return nil }
                paths[name] = path
            }
            self = .outcome(StageOutcome(artifacts: paths, summary: summary))
        case "failure":
            guard let message = string("message"), let retryable = json["retryable"]?.boolValue else { return nil }
            self = .failure(message: message, retryable: retryable)
        default:
            return nil
        }
    }
}

/// A journal file problem: where it is and what is wrong.
public struct JournalError: Error, Sendable, CustomStringConvertible {
    /// The journal file's path.
    public var path: String
    /// Byte offset of the line.
    public var offset: Int
    /// What is wrong, with the start of the offending line where there is one.
    public var message: String
    /// `journal <path> at byte <offset>: <message>`.
    public var description: String { "journal \(path) at byte \(offset): \(message)" }
}

/// Appends records to a node's journal (a JSON-lines file in the node directory). Records are buffered and written
/// with one `write` and an `fsync` per `flush()`, so a reader never sees a record that a crash could take back;
/// a record torn by a crash is an incomplete last line, which readers leave alone.
public final class JournalWriter: @unchecked Sendable {
    // @unchecked Sendable: `pending` and `handle` are only touched under `lock`.
    /// The journal file this writer appends to.
    public let url: URL
    private let lock = NSLock()
    private let handle: FileHandle
    private var pending = Data()

    /// Opens `url` for appending, creating it if needed.
    public init(url: URL) throws {
        self.url = url
        if !FileManager.default.fileExists(atPath: url.path) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw JournalError(path: url.path, offset: 0, message: "cannot create the file")
            }
        }
        handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    /// Buffers the record as one line; nothing reaches the file until `flush()`. Thread-safe; never fails.
    public func append(_ record: JournalRecord) {
        var line = record.json.canonicalText
        line += "\n"
        lock.lock()
        pending.append(contentsOf: line.utf8)
        lock.unlock()
    }

    /// Writes what was appended and makes it durable.
    public func flush() throws {
        lock.lock()
        defer { lock.unlock() }
        guard !pending.isEmpty else { return }
        try handle.write(contentsOf: pending)
        try handle.synchronize()
        pending.removeAll(keepingCapacity: true)
    }
}

/// Reads a journal from where the last read stopped.
public enum JournalReader {
    /// Complete records from byte `offset` on, and the offset after the last complete line. An incomplete last line
    /// (being written, or torn by a crash) is left for the next read. A complete line that is not a record is an
    /// error: the file was not written by a journal writer.
    public static func read(_ url: URL, from offset: Int) throws -> (records: [JournalRecord], next: Int) {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return ([], offset) }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        let data = try handle.readToEnd() ?? Data()
        var records: [JournalRecord] = []
        var start = data.startIndex
        while let newline = data[start...].firstIndex(of: UInt8(ascii: "\n")) {
            let line = data[start..<newline]
            let lineOffset = offset + (start - data.startIndex)
            guard let json = try? JSONValue.parse(Data(line)), let record = JournalRecord(json: json) else {
                throw JournalError(path: url.path, offset: lineOffset, message: "not a journal record: "
                                   + String(decoding: line.prefix(80), as: UTF8.self))
            }
            records.append(record)
            start = data.index(after: newline)
        }
        return (records, offset + (start - data.startIndex))
    }
}
