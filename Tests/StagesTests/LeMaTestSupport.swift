import Foundation
import LemaCore
import Math
import StageAPI
import Testing
@testable import Stages

/// Shared helpers for the LeMa stage tests: small synthetic datasets, inputs pointing at another stage's outputs,
/// JSONL readers and a context wrapper that cancels or fails on cue.
enum LeMaFixture {
    /// Dataset parameters for a small, fast synthetic set (1–2 step problems, short numbers).
    static func datasetParams(count: Int = 40, seed: Int = 3, pool: Double = 0) -> [String: JSONValue] {
        ["count": .int(Int64(count)), "seed": .int(Int64(seed)), "min_steps": .int(1), "max_steps": .int(2),
         "pool": .double(pool), "distractors": .double(0)]
    }

    /// Runs `dataset` and returns its context (caller cleans up) and outcome.
    static func dataset(_ params: [String: JSONValue]) throws -> (FakeStageContext, StageOutcome) {
        let context = try FakeStageContext(stageName: "data", params: params)
        return (context, try DatasetKind().run(context))
    }

    /// All artifacts of a finished stage as absolute URLs.
    static func artifacts(_ context: FakeStageContext, _ outcome: StageOutcome) -> [String: URL] {
        outcome.artifacts.mapValues { context.outputDirectory.appendingPathComponent($0) }
    }

    /// An input bound to `stage.selected` of a finished fake stage.
    static func input(_ context: FakeStageContext, _ outcome: StageOutcome, selected: String? = nil) -> InputArtifact {
        InputArtifact(stage: context.stageName, fingerprint: context.fingerprint + context.stageName,
                      selected: selected, artifacts: artifacts(context, outcome), summary: outcome.summary)
    }

    /// The JSON objects of a JSONL file, in order.
    static func objects(_ url: URL) throws -> [[String: JSONValue]] {
        try JSONLines.read(url).map { try $0.object() }
    }

    /// The problems of a dataset split.
    static func problems(_ context: FakeStageContext, _ outcome: StageOutcome, _ split: String) throws -> [Problem] {
        let url = try #require(context.output(outcome, split))
        return try ProblemFiles.read(url)
    }

    static func bytes(_ url: URL?) throws -> Data { try Data(contentsOf: try #require(url)) }
}

/// A `StageContext` over a `FakeStageContext`'s directories, params, inputs and recorded checkpoints, with its own
/// ledger and cancellation: it cancels itself once progress reaches `cancelAtProgress`, and its
/// `recordCheckpoint` fails from checkpoint number `failCheckpointAt` on (a crash after the file was written).
/// Two wrappers over one base with `InMemoryLedger(finished: first.durable)` model a crash and resume.
final class ScriptedContext: StageContext, @unchecked Sendable {
    // @unchecked: mutable state is guarded by `lock`; `base` is thread-safe.
    let base: FakeStageContext
    let ledger: any ItemLedger
    let threads: Int
    private let cancelAtProgress: Int?
    private let failCheckpointAt: Int?
    private let lock = NSLock()
    private var cancelled = false
    private var checkpointsRecorded = 0

    init(base: FakeStageContext, ledger: InMemoryLedger, threads: Int? = nil, cancelAtProgress: Int? = nil,
         failCheckpointAt: Int? = nil) {
        self.base = base
        self.ledger = ledger
        self.threads = threads ?? base.threads
        self.cancelAtProgress = cancelAtProgress
        self.failCheckpointAt = failCheckpointAt
    }

    var stageName: String { base.stageName }
    var fingerprint: String { base.fingerprint }
    var params: [String: JSONValue] { base.params }
    var seed: UInt64 { base.seed }
    var outputDirectory: URL { base.outputDirectory }
    var checkpointDirectory: URL { base.checkpointDirectory }
    var specDirectory: URL { base.specDirectory }
    func inputs(_ parameter: String) -> [InputArtifact] { base.inputs(parameter) }
    var isCancelled: Bool { lock.withLock { cancelled } }

    func progress(done: Int, total: Int?, note: String?) {
        base.progress(done: done, total: total, note: note)
        if let at = cancelAtProgress, done >= at { lock.withLock { cancelled = true } }
    }

    func metric(_ name: String, step: Int, value: Double) { base.metric(name, step: step, value: value) }

    func recordCheckpoint(step: Int, file: String) throws {
        let n = lock.withLock { checkpointsRecorded += 1; return checkpointsRecorded }
        if let at = failCheckpointAt, n >= at { throw StageFailure("simulated crash before recording step \(step)") }
        try base.recordCheckpoint(step: step, file: file)
    }

    func latestCheckpoint() throws -> (step: Int, file: String)? { try base.latestCheckpoint() }
    func log(_ message: String) { base.log(message) }
    var responseCache: any ResponseCache { base.responseCache }
}

extension InMemoryLedger {
    /// A new ledger holding only this one's durable items: what survives a crash.
    func survivingCrash() throws -> InMemoryLedger { InMemoryLedger(finished: try finishedItems()) }
}

/// Expects `body` to throw a `StageFailure` whose message contains every fragment.
func expectStageFailure(_ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation,
                        _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected a StageFailure mentioning \(fragments)", sourceLocation: sourceLocation)
    } catch let failure as StageFailure {
        for fragment in fragments {
            #expect(failure.message.contains(fragment), "'\(failure.message)' lacks '\(fragment)'",
                    sourceLocation: sourceLocation)
        }
    } catch let error as any PermanentError {
        // Bad input found by a shared reader (JSON Lines): not retried, like a StageFailure(retryable: false).
        for fragment in fragments {
            #expect("\(error)".contains(fragment), "'\(error)' lacks '\(fragment)'", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected a StageFailure, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
    }
}

/// Tiny-model settings: fast enough to train for a few dozen steps inside a unit test.
enum TinyTraining {
    static func params(steps: Int, checkpointEvery: Int, extra: [String: JSONValue] = [:]) -> [String: JSONValue] {
        var p: [String: JSONValue] = [
            "layers": .int(1), "d_model": .int(16), "heads": .int(2), "context": .int(96), "steps": .int(Int64(steps)),
            "batch_size": .int(4), "lr": .double(0.01), "warmup": .int(2), "checkpoint_every": .int(Int64(checkpointEvery)),
            "templates": .string("compact"),
        ]
        p.merge(extra) { _, new in new }
        return p
    }

    /// The parameters as the engine hands them over: every declared default filled in.
    static func withDefaults(_ kind: any StageKind, _ params: [String: JSONValue]) -> [String: JSONValue] {
        var out = params
        for spec in kind.parameters where out[spec.name] == nil {
            if let d = spec.defaultValue { out[spec.name] = d }
        }
        return out
    }

    /// A `train` context over a dataset's train split.
    static func context(data: FakeStageContext, dataOutcome: StageOutcome, params: [String: JSONValue],
                        threads: Int = 1) throws -> FakeStageContext {
        let context = try FakeStageContext(stageName: "train", params: params, threads: threads)
        context.setInputs("data", [LeMaFixture.input(data, dataOutcome, selected: "train")])
        return context
    }

    /// One tiny model trained once per test process (20 steps, checkpoints every 10) on a 40-problem dataset,
    /// shared by the sample and evaluate tests. Its directories are left in the temporary directory.
    struct Trained: @unchecked Sendable {
        // @unchecked: read-only after creation; the contexts are thread-safe.
        let data: FakeStageContext
        let dataOutcome: StageOutcome
        let train: FakeStageContext
        let outcome: StageOutcome
        var modelInput: InputArtifact { LeMaFixture.input(train, outcome) }
        func split(_ name: String) -> InputArtifact { LeMaFixture.input(data, dataOutcome, selected: name) }
    }

    static let shared: Result<Trained, Error> = Result {
        let (data, dataOutcome) = try LeMaFixture.dataset(LeMaFixture.datasetParams(count: 40, seed: 21))
        let train = try context(data: data, dataOutcome: dataOutcome, params: params(steps: 20, checkpointEvery: 10))
        return Trained(data: data, dataOutcome: dataOutcome, train: train, outcome: try TrainKind().run(train))
    }
}
