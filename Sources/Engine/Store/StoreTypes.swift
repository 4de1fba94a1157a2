import Foundation
import LemaCore

/// Lifecycle of a node in the store. Stored as its raw value in `nodes.status`.
public enum NodeStatus: String, Sendable, Codable, CaseIterable {
    /// Not run yet, invalidated, or reclaimed after a crash (see `reason`).
    case pending
    /// Being executed by `ownerPID`.
    case running
    case succeeded
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
    public var stage: String
    public var kind: String
    public var kindVersion: Int
    public var status: NodeStatus
    /// How many times the node was started (`markRunning`), across processes.
    public var attempts: Int
    public var startedAt: Date?
    public var finishedAt: Date?
    /// The last failure message; cleared when the node is started again.
    public var error: String?
    /// Why the node is in its state ("blocked by failed train", "reclaimed after crash of pid 12 (40 items kept)").
    public var reason: String?
    /// Artifact name → path relative to the node's output directory.
    public var artifacts: [String: String]
    public var summary: [String: JSONValue]
    /// Canonical JSON of what the fingerprint hashes: `{"inputs":{param:[ids]},"kind":…,"params":{…},"version":N}`.
    public var components: String
    public var progressDone: Int
    public var progressTotal: Int?
    public var progressNote: String?
    /// The pid of the process that last started the node.
    public var ownerPID: Int32?

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
    public var pid: Int32
    public var host: String
    /// The command line of the owner (for the "in use by" message).
    public var command: String
    public var since: Date
    /// Kernel start time of `pid` (clock ticks since boot, `/proc/<pid>/stat` field 22), to detect pid reuse.
    public var startTime: UInt64?

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
    public var name: String
    public var step: Int
    public var value: Double
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
    public var at: Date
    public var node: String?
    /// A short machine-friendly tag: `lock`, `reclaim`, `invalidate`, `log`, …
    public var kind: String
    public var message: String
    /// The process that appended the event.
    public var pid: Int32

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

    public init(batchSize: Int = 1024, maxDelay: TimeInterval = 0.1, busyTimeout: TimeInterval = 5) {
        self.batchSize = max(1, batchSize)
        self.maxDelay = max(0.001, maxDelay)
        self.busyTimeout = busyTimeout
    }
}
