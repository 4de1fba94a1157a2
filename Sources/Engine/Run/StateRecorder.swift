import Foundation
import LemaCore
import StageAPI

/// One node state change as the runner books it.
enum NodeTransition {
    case running(id: String, at: Date)
    case succeeded(id: String, artifacts: String, summary: String, reason: String?, at: Date)
    case failed(id: String, error: String, at: Date)
    case blocked(id: String, byStage: String)
    case pending(id: String, reason: String)
}

/// Books node transitions in batches: one transaction per `maxDelay` (or per `batchSize` transitions) instead of
/// one per call, which is what lets ten thousand tiny nodes finish in well under a second.
///
/// Crash safety: transitions are applied in call order (a flush holds `flushLock` from taking the batch to its
/// commit), so a child's success is never durable before its parent's. A crash loses at most the last unflushed
/// batch; a node whose success was lost simply runs again (stages are idempotent: artifacts are replaced
/// atomically, finished items come from the ledger).
final class StateRecorder: @unchecked Sendable {
    // @unchecked Sendable: `queued`, `timerArmed` and `deferredError` are only touched under `lock`; flushes are
    // serialised by `flushLock`.
    let store: Store
    private let pid = getpid()
    private let maxDelay: TimeInterval
    private let batchSize: Int
    private let lock = NSLock()
    private let flushLock = NSLock()
    private var queued: [NodeTransition] = []
    private var timerArmed = false
    private var deferredError: (any Error)?

    init(store: Store, maxDelay: TimeInterval = 0.05, batchSize: Int = 4096) {
        self.store = store
        self.maxDelay = maxDelay
        self.batchSize = batchSize
    }

    func started(_ id: String) { enqueue(.running(id: id, at: Date())) }

    func succeeded(_ id: String, outcome: StageOutcome, reason: String?) {
        let artifacts = JSONValue.object(outcome.artifacts.mapValues { .string($0) }).canonicalText
        let summary = JSONValue.object(outcome.summary).canonicalText
        enqueue(.succeeded(id: id, artifacts: artifacts, summary: summary, reason: reason, at: Date()))
    }

    func failed(_ id: String, error: String) { enqueue(.failed(id: id, error: error, at: Date())) }
    func blocked(_ id: String, by stage: String) { enqueue(.blocked(id: id, byStage: stage)) }
    func pending(_ id: String, reason: String) { enqueue(.pending(id: id, reason: reason)) }

    private func enqueue(_ transition: NodeTransition) {
        lock.lock()
        queued.append(transition)
        let full = queued.count >= batchSize
        let arm = !timerArmed && !full
        if arm { timerArmed = true }
        lock.unlock()
        if full {
            flushRecordingError()  // backpressure: the producer pays for the commit
        } else if arm {
            DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + maxDelay) { [weak self] in
                self?.flushRecordingError()
            }
        }
    }

    private func flushRecordingError() {
        do { try flush() } catch {
            lock.lock()
            if deferredError == nil { deferredError = error }
            lock.unlock()
        }
    }

    /// Commits every queued transition now; rethrows a failure of an earlier background commit.
    func flush() throws {
        flushLock.lock()
        defer { flushLock.unlock() }
        lock.lock()
        let batch = queued
        queued.removeAll(keepingCapacity: true)
        timerArmed = false
        let earlier = deferredError
        deferredError = nil
        lock.unlock()
        if let earlier { throw earlier }
        guard !batch.isEmpty else { return }
        do {
            try store.applyTransitions(batch, pid: pid)
        } catch {
            lock.lock()
            queued.insert(contentsOf: batch, at: 0)
            lock.unlock()
            throw error
        }
    }

    /// Best effort for a forced exit: flush unless another flush is in progress right now.
    func flushForExit() {
        guard flushLock.try() else { return }
        flushLock.unlock()
        try? flush()
    }
}
