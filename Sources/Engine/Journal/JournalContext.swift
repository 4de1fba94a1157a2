import Foundation
import LemaCore
import StageAPI

/// The `StageContext` of a node running inside a cluster job: the same contract as a local node's, backed by the
/// node's journal instead of the store. What earlier attempts finished (and what the controller seeded) is read
/// from the prior journals first, so a retried or requeued job resumes where the last one stopped.
public final class JournalContext: StageContext, @unchecked Sendable {
    // @unchecked Sendable: the mutable state is guarded by `lock`; the writer is thread-safe itself.
    /// The job as the controller described it in `job.json`.
    public let spec: JobSpec
    private let writer: JournalWriter
    private let lock = NSLock()
    private var finished: [String: Data] = [:]
    private var responses: [String: CachedResponse] = [:]
    private var checkpoint: (step: Int, file: String)?
    private var cancelled = false

    /// Reads the prior journals and this attempt's own (a requeued job appends to it), then opens it for writing.
    public init(spec: JobSpec) throws {
        self.spec = spec
        try FileManager.default.createDirectory(atPath: spec.nodeDirectory, withIntermediateDirectories: true)
        for path in spec.priorJournals + [spec.journalURL.path] {
            for record in try JournalReader.read(URL(fileURLWithPath: path), from: 0).records {
                switch record {
                case .item(let key, let payload): if finished[key] == nil { finished[key] = payload }
                case .response(let key, _, _, let response): if responses[key] == nil { responses[key] = response }
                case .checkpoint(let step, let file): if step >= (checkpoint?.step ?? .min) { checkpoint = (step, file) }
                default: break
                }
            }
        }
        writer = try JournalWriter(url: spec.journalURL)
    }

    /// The node's stage name in the spec (`JobSpec.stageName`).
    public var stageName: String { spec.stageName }
    /// The node's fingerprint as the controller computed it; names its rows in the store.
    public var fingerprint: String { spec.fingerprint }
    /// Resolved parameters, exactly as the controller resolved them for a local run.
    public var params: [String: JSONValue] { spec.params }
    /// The seed a local run of the node would get, so results match across executors.
    public var seed: UInt64 { spec.seed }
    /// Cores the node may use: the stage's `threads`, which the job's `cpus` default to.
    public var threads: Int { spec.threads }
    /// The node directory (`JobSpec.nodeDirectory`), shared with the controller.
    public var outputDirectory: URL { URL(fileURLWithPath: spec.nodeDirectory, isDirectory: true) }
    /// The spec's directory as the controller saw it (`JobSpec.specDirectory`).
    public var specDirectory: URL { URL(fileURLWithPath: spec.specDirectory, isDirectory: true) }

    /// `checkpoints/` in the node directory, created on each access (a failure to create it shows when writing there).
    public var checkpointDirectory: URL {
        let dir = outputDirectory.appendingPathComponent("checkpoints", isDirectory: true)
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The inputs the controller bound to `parameter`, spec order; empty when it bound none.
    public func inputs(_ parameter: String) -> [InputArtifact] { (spec.inputs[parameter] ?? []).map(\.artifact) }

    /// Finished items of earlier attempts and the seed journal; new ones go to this attempt's journal.
    public var ledger: any ItemLedger { JournalLedger(context: self) }
    /// Responses this node fetched before (seed journal, earlier attempts); a new one is in the journal on return.
    public var responseCache: any ResponseCache { JournalResponseCache(context: self) }

    /// True once `cancel()` ran (SIGTERM, SIGINT, or the warning signal before the time limit).
    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    /// Asks the stage to stop (the job's SIGTERM, or the warning signal before its time limit).
    public func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    /// Appended to this attempt's journal, buffered: the controller sees it after the next flush (checkpoint,
    /// response, ledger flush, or the end).
    public func progress(done: Int, total: Int?, note: String?) { writer.append(.progress(done: done, total: total, note: note)) }
    /// Appended to this attempt's journal, buffered like `progress`; the controller imports it into the store.
    public func metric(_ name: String, step: Int, value: Double) { writer.append(.metric(name: name, step: step, value: value)) }
    /// Appended to the journal as a `log` event, buffered like `progress`; it reaches the node's event log on import.
    public func log(_ message: String) { writer.append(.event(kind: "log", message: message)) }

    /// Durable on return, as locally: older checkpoint files may be deleted once a newer one is recorded.
    public func recordCheckpoint(step: Int, file: String) throws {
        writer.append(.checkpoint(step: step, file: file))
        try writer.flush()
        lock.lock()
        checkpoint = (step, file)
        lock.unlock()
    }

    /// The newest checkpoint of all journals read at start, or the one this attempt recorded since; never throws.
    public func latestCheckpoint() throws -> (step: Int, file: String)? {
        lock.lock()
        defer { lock.unlock() }
        return checkpoint
    }

    /// Ends the journal with the node's result; durable on return.
    public func finish(_ ending: JournalEnding) throws {
        switch ending {
        case .succeeded(let outcome): writer.append(.outcome(outcome))
        case .failed(let message, let retryable): writer.append(.failure(message: message, retryable: retryable))
        }
        try writer.flush()
    }

    func finishedItems() -> [String: Data] {
        lock.lock()
        defer { lock.unlock() }
        return finished
    }

    func record(key: String, payload: Data) {
        lock.lock()
        let isNew = finished[key] == nil
        if isNew { finished[key] = payload }
        lock.unlock()
        if isNew { writer.append(.item(key: key, payload: payload)) }
    }

    /// Makes everything appended so far durable.
    public func flush() throws { try writer.flush() }

    func response(_ key: String) -> CachedResponse? {
        lock.lock()
        defer { lock.unlock() }
        return responses[key]
    }

    /// Durable on return (a response is never paid for twice).
    func store(key: String, endpoint: String, model: String, response: CachedResponse) throws {
        lock.lock()
        let isNew = responses[key] == nil
        if isNew { responses[key] = response }
        lock.unlock()
        guard isNew else { return }
        writer.append(.response(key: key, endpoint: endpoint, model: model, response: response))
        try writer.flush()
    }
}

/// The item ledger of a job: finished items from the prior journals, new ones appended to this attempt's.
final class JournalLedger: ItemLedger, @unchecked Sendable {
    let context: JournalContext
    init(context: JournalContext) { self.context = context }
    func finishedItems() throws -> [String: Data] { context.finishedItems() }
    func record(key: String, payload: Data) throws { context.record(key: key, payload: payload) }
    func flush() throws { try context.flush() }
}

/// The request cache of a job: the responses this node fetched before (seeded by the controller, or in earlier
/// attempts' journals), new ones written through to the journal. Responses other nodes fetched are not visible here.
final class JournalResponseCache: ResponseCache, @unchecked Sendable {
    let context: JournalContext
    init(context: JournalContext) { self.context = context }
    func response(forKey key: String) throws -> CachedResponse? { context.response(key) }
    func store(key: String, endpoint: String, model: String, response: CachedResponse) throws {
        try context.store(key: key, endpoint: endpoint, model: model, response: response)
    }
}
