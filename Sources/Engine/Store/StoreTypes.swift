import Foundation
import LemaCore

/// Lifecycle of a node in the store. Stored as its raw value in `nodes.status`.
public enum NodeStatus: String, Sendable, Codable, CaseIterable {
    /// Not run yet, invalidated, or reclaimed after a crash (see `reason`).
    case pending
    /// Being executed by `ownerPID`.
    case running
    /// Finished; its artifacts and summary are recorded.
    case succeeded
    /// The last attempt failed; `error` holds the message and the ledger is kept for a retry.
    case failed
    /// Not run because an ancestor failed (see `reason`).
    case blocked
    /// Stopped by SIGINT/SIGTERM or a timeout before it finished.
    case cancelled
}

/// One row of the `nodes` table as the planner, `lema status` and `lema why` see it.
public struct NodeRecord: Sendable, Hashable {
    /// The fingerprint.
    public var id: String
    /// Name of the spec stage the node belongs to.
    public var stage: String
    /// The stage kind that runs the node (e.g. `generate`, `train`).
    public var kind: String
    /// Version of the kind's implementation the node was fingerprinted with.
    public var kindVersion: Int
    /// Current lifecycle state.
    public var status: NodeStatus
    /// How many times the node was started (`markRunning`), across processes.
    public var attempts: Int
    /// When the last attempt started (nil if never started).
    public var startedAt: Date?
    /// When the last attempt ended (nil while running or never run).
    public var finishedAt: Date?
    /// The last failure message; cleared when the node is started again.
    public var error: String?
    /// Why the node is in its state ("blocked by failed train", "reclaimed after crash of pid 12 (40 items kept)").
    public var reason: String?
    /// Artifact name → path relative to the node's output directory.
    public var artifacts: [String: String]
    /// Summary facts of the last successful attempt (counts, accuracy, …); empty before one and after `invalidate`.
    public var summary: [String: JSONValue]
    /// Canonical JSON of what the fingerprint hashes: `{"inputs":{param:[ids]},"kind":…,"params":{…},"version":N}`.
    public var components: String
    /// Items finished according to the last progress report; reset to 0 by `invalidate`.
    public var progressDone: Int
    /// Items expected in total, when the stage knows it.
    public var progressTotal: Int?
    /// Free-form note of the last progress report (e.g. the current phase).
    public var progressNote: String?
    /// The pid of the process that last started the node.
    public var ownerPID: Int32?

    /// A record with every column given; the store builds these from rows.
    public init(id: String, stage: String, kind: String, kindVersion: Int, status: NodeStatus, attempts: Int,
                startedAt: Date?, finishedAt: Date?, error: String?, reason: String?, artifacts: [String: String],
                summary: [String: JSONValue], components: String, progressDone: Int, progressTotal: Int?,
                progressNote: String?, ownerPID: Int32?) {
        self.id = id
        self.stage = stage
        self.kind = kind
        self.kindVersion = kindVersion
        self.status = status
        self.attempts = attempts
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.error = error
        self.reason = reason
        self.artifacts = artifacts
        self.summary = summary
        self.components = components
        self.progressDone = progressDone
        self.progressTotal = progressTotal
        self.progressNote = progressNote
        self.ownerPID = ownerPID
    }

    /// Wall time of the last attempt, when it has both ends.
    public var duration: TimeInterval? {
        guard let startedAt, let finishedAt else { return nil }
        return finishedAt.timeIntervalSince(startedAt)
    }
}

/// The holder of the run lock.
public struct LockOwner: Sendable, Hashable {
    /// Process id of the lock holder.
    public var pid: Int32
    /// Host name of the lock holder; a pid is only probed for liveness on the same host.
    public var host: String
    /// The command line of the owner (for the "in use by" message).
    public var command: String
    /// When the lock was taken.
    public var since: Date
    /// Kernel start time of `pid` (clock ticks since boot, `/proc/<pid>/stat` field 22), to detect pid reuse.
    public var startTime: UInt64?

    /// An owner with every field given.
    public init(pid: Int32, host: String, command: String, since: Date, startTime: UInt64?) {
        self.pid = pid
        self.host = host
        self.command = command
        self.since = since
        self.startTime = startTime
    }
}

/// One metric point.
public struct MetricPoint: Sendable, Hashable {
    /// Metric name (e.g. `loss`).
    public var name: String
    /// The step it was measured at (e.g. the training step); one value per (name, step).
    public var step: Int
    /// The measured value.
    public var value: Double
    /// A point with these fields.
    public init(name: String, step: Int, value: Double) {
        self.name = name
        self.step = step
        self.value = value
    }
}

/// One line of the append-only event log.
public struct EventRecord: Sendable, Hashable {
    /// Increasing with insertion order.
    public var id: Int64
    /// When the event was appended.
    public var at: Date
    /// Fingerprint of the node it concerns; nil for a pipeline-level event.
    public var node: String?
    /// A short machine-friendly tag: `lock`, `reclaim`, `invalidate`, `log`, …
    public var kind: String
    /// Human-readable text of the event.
    public var message: String
    /// The process that appended the event.
    public var pid: Int32

    /// An event with every field given; the store builds these from rows.
    public init(id: Int64, at: Date, node: String?, kind: String, message: String, pid: Int32) {
        self.id = id
        self.at = at
        self.node = node
        self.kind = kind
        self.message = message
        self.pid = pid
    }
}

/// A variant of the last registered graph (the store keeps exactly what the graph had).
public typealias VariantRecord = GraphVariant

/// Knobs of the buffered writers (ledger, metrics, events, progress). The defaults keep bookkeeping far below
/// the cost of real work while bounding what a crash can lose to ~100 ms of finished items.
public struct StoreOptions: Sendable, Hashable {
    /// Commit once this many records are buffered.
    public var batchSize: Int
    /// Commit buffered records at most this long after the first of them arrived.
    public var maxDelay: TimeInterval
    /// How long a writer waits for another process holding the database (SQLite busy timeout).
    public var busyTimeout: TimeInterval

    /// Options with these knobs; `batchSize` is raised to at least 1 and `maxDelay` to at least 1 ms.
    public init(batchSize: Int = 1024, maxDelay: TimeInterval = 0.1, busyTimeout: TimeInterval = 5) {
        self.batchSize = max(1, batchSize)
        self.maxDelay = max(0.001, maxDelay)
        self.busyTimeout = busyTimeout
    }
}
