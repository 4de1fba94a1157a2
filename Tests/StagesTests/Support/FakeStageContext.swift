import Foundation
import LemaCore
import StageAPI

/// An in-memory `StageContext` for stage tests: settable params, inputs per parameter name, seed, threads, a
/// thread-safe in-memory ledger, and fresh temporary directories (removed by `cleanUp()`). Everything a stage
/// reports (progress, metrics, checkpoints, logs) is recorded for assertions.
final class FakeStageContext: StageContext, @unchecked Sendable {
    // @unchecked: all mutable state is guarded by `lock`.
    private let lock = NSLock()

    let stageName: String
    let fingerprint: String
    let seed: UInt64
    let threads: Int
    let rootDirectory: URL
    let outputDirectory: URL
    let checkpointDirectory: URL
    let specDirectory: URL
    let ledger: any ItemLedger
    private var _params: [String: JSONValue]
    private var _inputs: [String: [InputArtifact]]
    private var _cancelled = false
    private var _progress: [(done: Int, total: Int?, note: String?)] = []
    private var _metrics: [(name: String, step: Int, value: Double)] = []
    private var _checkpoints: [(step: Int, file: String)] = []
    private var _logs: [String] = []

    init(stageName: String = "stage", fingerprint: String = String(repeating: "0", count: 64),
         params: [String: JSONValue] = [:], inputs: [String: [InputArtifact]] = [:], seed: UInt64 = 42,
         threads: Int = 1, ledger: InMemoryLedger = InMemoryLedger()) throws {
        self.stageName = stageName
        self.fingerprint = fingerprint
        self._params = params
        self._inputs = inputs
        self.seed = seed
        self.threads = threads
        self.ledger = ledger
        rootDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("lema-stage-test-\(UUID().uuidString)")
        outputDirectory = rootDirectory.appendingPathComponent("out")
        checkpointDirectory = rootDirectory.appendingPathComponent("checkpoints")
        specDirectory = rootDirectory.appendingPathComponent("spec")
        for dir in [outputDirectory, checkpointDirectory, specDirectory] {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
    }

    /// Removes the temporary directories.
    func cleanUp() { try? FileManager.default.removeItem(at: rootDirectory) }

    // MARK: Settable state

    var params: [String: JSONValue] {
        get { lock.withLock { _params } }
        set { lock.withLock { _params = newValue } }
    }

    func setInputs(_ parameter: String, _ artifacts: [InputArtifact]) { lock.withLock { _inputs[parameter] = artifacts } }
    func inputs(_ parameter: String) -> [InputArtifact] { lock.withLock { _inputs[parameter] ?? [] } }

    var isCancelled: Bool {
        get { lock.withLock { _cancelled } }
        set { lock.withLock { _cancelled = newValue } }
    }

    // MARK: Recorders

    func progress(done: Int, total: Int?, note: String?) { lock.withLock { _progress.append((done, total, note)) } }
    func metric(_ name: String, step: Int, value: Double) { lock.withLock { _metrics.append((name, step, value)) } }
    func recordCheckpoint(step: Int, file: String) throws { lock.withLock { _checkpoints.append((step, file)) } }
    func latestCheckpoint() throws -> (step: Int, file: String)? {
        lock.withLock { _checkpoints.max { $0.step < $1.step } }
    }
    func log(_ message: String) { lock.withLock { _logs.append(message) } }
    let responseCache: any ResponseCache = MemoryResponseCache()

    var progressReports: [(done: Int, total: Int?, note: String?)] { lock.withLock { _progress } }
    var metrics: [(name: String, step: Int, value: Double)] { lock.withLock { _metrics } }
    var logs: [String] { lock.withLock { _logs } }

    // MARK: Helpers

    /// Writes `text` to a file under the test root and returns its URL (for building inputs).
    func writeFile(_ name: String, _ text: String) throws -> URL {
        let url = rootDirectory.appendingPathComponent("files").appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url
    }

    /// The URL of an output file the stage reported (artifact path relative to `outputDirectory`).
    func output(_ outcome: StageOutcome, _ artifact: String) -> URL? {
        outcome.artifacts[artifact].map { outputDirectory.appendingPathComponent($0) }
    }

    /// The text of a reported output artifact ("" when missing).
    func outputText(_ outcome: StageOutcome, _ artifact: String) -> String {
        guard let url = output(outcome, artifact), let data = try? Data(contentsOf: url) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A thread-safe in-memory `ItemLedger`. `flush` moves recorded items to the durable set; `finishedItems` returns
/// the durable set only, as after a crash. Share one between two contexts to simulate a resume.
final class InMemoryLedger: ItemLedger, @unchecked Sendable {
    // @unchecked: all mutable state is guarded by `lock`.
    private let lock = NSLock()
    private var durable: [String: Data]
    private var pending: [String: Data] = [:]
    private(set) var flushCount = 0

    init(finished: [String: Data] = [:]) { durable = finished }

    func finishedItems() throws -> [String: Data] { lock.withLock { durable } }

    func record(key: String, payload: Data) throws {
        lock.withLock {
            if durable[key] == nil && pending[key] == nil { pending[key] = payload }
        }
    }

    func flush() throws {
        lock.withLock {
            durable.merge(pending) { old, _ in old }
            pending.removeAll()
            flushCount += 1
        }
    }

    /// Durable and pending items together (what an uninterrupted run would have recorded).
    var allItems: [String: Data] { lock.withLock { durable.merging(pending) { old, _ in old } } }
}

extension InputArtifact {
    /// A test input whose artifacts are files written by the caller.
    static func fake(stage: String, artifacts: [String: URL], selected: String? = nil,
                     summary: [String: JSONValue] = [:]) -> InputArtifact {
        InputArtifact(stage: stage, fingerprint: SeededRNG.derive(0, stage).description, selected: selected,
                      artifacts: artifacts, summary: summary)
    }
}
