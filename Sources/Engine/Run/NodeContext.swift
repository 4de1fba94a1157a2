import Foundation
import LemaCore
import StageAPI

/// Why a running node was asked to stop.
enum CancelCause: Sendable, Hashable {
    case interrupted
    case timeout(seconds: Double)
}

/// The engine's `StageContext`: one per node attempt. Thread-safe (stages may call it from their own workers).
/// Directories are created on first use so that nodes that write nothing (`noop`) cost no file-system calls.
final class NodeContext: StageContext, @unchecked Sendable {
    let stageName: String
    let fingerprint: String
    let params: [String: JSONValue]
    let seed: UInt64
    let threads: Int
    let specDirectory: URL
    /// `runs/<pipeline>/` and `nodes/<stage>-<fp12>`: the URL is built on first use (URL work is not free, and
    /// most tiny nodes never ask).
    private let runDirectory: URL
    private let relativeDirectory: String
    private var resolvedDirectory: URL?
    private let inputsByParameter: [String: [InputArtifact]]
    private let store: Store
    private let reporter: ProgressReporter?

    /// Guards the mutable state below. Uncontended in the common case; stages touch it per item at most.
    private let lock = NSLock()
    private var cancelCause: CancelCause?
    private var createdOutput = false
    private var createdCheckpoints = false
    private var cachedLedger: (any ItemLedger)?

    init(node: GraphNode, seed: UInt64, threads: Int, specDirectory: URL, runDirectory: URL, relativeDirectory: String,
         inputs: [String: [InputArtifact]], store: Store, reporter: ProgressReporter?) {
        stageName = node.stage
        fingerprint = node.id
        params = node.params
        self.seed = seed
        self.threads = threads
        self.specDirectory = specDirectory
        self.runDirectory = runDirectory
        self.relativeDirectory = relativeDirectory
        inputsByParameter = inputs
        self.store = store
        self.reporter = reporter
    }

    /// Caller holds `lock`.
    private var nodeDirectory: URL {
        if let resolvedDirectory { return resolvedDirectory }
        let url = runDirectory.appendingPathComponent(relativeDirectory, isDirectory: true)
        resolvedDirectory = url
        return url
    }

    var outputDirectory: URL {
        lock.lock()
        defer { lock.unlock() }
        if !createdOutput {
            try? FileManager.default.createDirectory(at: nodeDirectory, withIntermediateDirectories: true)
            // A run killed mid-write left temporary files here; this run (holding the lock) is the only writer.
            AtomicFile.removeLeftovers(in: nodeDirectory)
            createdOutput = true
        }
        return nodeDirectory
    }

    var checkpointDirectory: URL {
        lock.lock()
        defer { lock.unlock() }
        let dir = nodeDirectory.appendingPathComponent("checkpoints", isDirectory: true)
        if !createdCheckpoints {
            try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            AtomicFile.removeLeftovers(in: dir)
            createdCheckpoints = true
        }
        return dir
    }

    func inputs(_ parameter: String) -> [InputArtifact] { inputsByParameter[parameter] ?? [] }

    var ledger: any ItemLedger {
        lock.lock()
        defer { lock.unlock() }
        if let cachedLedger { return cachedLedger }
        let made = store.ledger(for: fingerprint)
        cachedLedger = made
        return made
    }

    var responseCache: any ResponseCache { store.responseCache(for: fingerprint) }

    var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelCause != nil
    }

    /// Why the node was cancelled, if it was.
    var cause: CancelCause? {
        lock.lock()
        defer { lock.unlock() }
        return cancelCause
    }

    /// Asks the stage to stop; the first cause wins.
    func cancel(_ cause: CancelCause) {
        lock.lock()
        if cancelCause == nil { cancelCause = cause }
        lock.unlock()
    }

    func progress(done: Int, total: Int?, note: String?) {
        store.setProgress(fingerprint, done: done, total: total)
        reporter?.update(nodeID: fingerprint, done: done, total: total, note: note)
    }

    func metric(_ name: String, step: Int, value: Double) {
        store.recordMetric(fingerprint, name: name, step: step, value: value)
    }

    func recordCheckpoint(step: Int, file: String) throws {
        try store.recordCheckpoint(fingerprint, step: step, file: file)
    }

    func latestCheckpoint() throws -> (step: Int, file: String)? {
        try store.latestCheckpoint(fingerprint)
    }

    func log(_ message: String) {
        store.appendEvent(node: fingerprint, kind: "log", message: message)
        reporter?.log("\(stageName): \(message)")
    }
}
