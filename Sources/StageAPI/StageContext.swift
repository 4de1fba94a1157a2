import Foundation
import LemaCore

/// Everything a running node may use. Provided by the engine; implementations are thread-safe so a stage can call
/// them from its own worker threads.
public protocol StageContext: AnyObject, Sendable {
    /// The stage's name in the spec.
    var stageName: String { get }
    /// The node's fingerprint (hex SHA-256).
    var fingerprint: String { get }
    /// Resolved parameters: spec values with defaults applied and `${params.x}` substituted. References appear as
    /// their spec text; use `inputs(_:)` to get the producing nodes' artifacts.
    var params: [String: JSONValue] { get }
    /// Seed for this node, derived from (pipeline seed, fingerprint). Derive per-item seeds with
    /// `SeededRNG.derive(seed, itemKey)` so results do not depend on scheduling order.
    var seed: UInt64 { get }
    /// Cores this node may use (the stage's `threads`); kernels must not use more.
    var threads: Int { get }
    /// This node's own directory for outputs (created, empty on the first attempt, kept across retries/resumes).
    var outputDirectory: URL { get }
    /// Directory for checkpoints of this node (created).
    var checkpointDirectory: URL { get }
    /// The directory the spec file lives in, for resolving relative paths in parameters.
    var specDirectory: URL { get }
    /// Inputs bound to a reference parameter, in the order written in the spec.
    func inputs(_ parameter: String) -> [InputArtifact]
    /// The item ledger of this node (finished items survive crashes).
    var ledger: any ItemLedger { get }
    /// True after SIGINT/SIGTERM or a timeout: save progress and throw `StageCancelled` soon.
    var isCancelled: Bool { get }
    /// Reports progress for the live display and `lema status`. `total` may be unknown.
    func progress(done: Int, total: Int?, note: String?)
    /// Records a metric point (e.g. `loss` at a training step).
    func metric(_ name: String, step: Int, value: Double)
    /// Records that a checkpoint file (path relative to `checkpointDirectory`) is complete and durable.
    func recordCheckpoint(step: Int, file: String) throws
    /// The latest recorded checkpoint, if any.
    func latestCheckpoint() throws -> (step: Int, file: String)?
    /// A log line, kept in the node's log and the store's event log.
    func log(_ message: String)
    /// The run's durable cache of model-endpoint responses (see `ResponseCache`).
    var responseCache: any ResponseCache { get }
}

/// The output of an upstream node bound to one reference.
public struct InputArtifact: Sendable, Hashable {
    /// Stage name of the producer.
    public var stage: String
    /// Producer's fingerprint.
    public var fingerprint: String
    /// The artifact the reference named (`stage.artifact`), or nil when it named the whole stage.
    public var selected: String?
    /// All artifacts of the producer: name → absolute file URL.
    public var artifacts: [String: URL]
    /// The producer's summary.
    public var summary: [String: JSONValue]

    /// One producer's outputs as a consumer sees them.
    public init(stage: String, fingerprint: String, selected: String?, artifacts: [String: URL], summary: [String: JSONValue]) {
        self.stage = stage
        self.fingerprint = fingerprint
        self.selected = selected
        self.artifacts = artifacts
        self.summary = summary
    }

    /// The selected artifact, or the one named `fallback` when the reference named the whole stage, or the only one.
    public func file(default fallback: String) throws -> URL {
        let name = selected ?? fallback
        if let url = artifacts[name] { return url }
        if selected == nil, artifacts.count == 1, let only = artifacts.values.first { return only }
        let known = artifacts.keys.sorted().joined(separator: ", ")
        throw StageFailure("stage '\(stage)' has no artifact '\(name)' (it has: \(known.isEmpty ? "none" : known))",
                           retryable: false)
    }
}

/// Finished items of a map-like node. `record` is cheap (buffered) and thread-safe; the engine commits buffered
/// records in batches (by count and by time) and on `flush`, so after a crash only unflushed items are lost and
/// rerun. Payloads are opaque bytes (usually compact JSON).
public protocol ItemLedger: AnyObject, Sendable {
    /// All items finished by earlier attempts of this node: key → payload.
    func finishedItems() throws -> [String: Data]
    /// Records a finished item. Recording the same key twice keeps the first payload.
    func record(key: String, payload: Data) throws
    /// Makes every recorded item durable now.
    func flush() throws
}
