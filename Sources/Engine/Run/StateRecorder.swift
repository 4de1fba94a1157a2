import Foundation
import LemaCore
import StageAPI

/// Books node transitions for the scheduler. The store buffers them (committed in call order, by count and within
/// `StoreOptions.maxDelay`), which is what lets ten thousand tiny nodes finish in well under a second.
///
/// Crash safety: commits follow call order, so a child's success is never durable before its parent's. A crash
/// loses at most the last unflushed batch; a node whose success was lost simply runs again (stages are idempotent:
/// artifacts are replaced atomically, finished items come from the ledger).
///
/// Workers must not stop because bookkeeping failed mid-run: the first error is kept and rethrown by `flush()`.
final class StateRecorder: @unchecked Sendable {
    // @unchecked Sendable: `firstError` is only touched under `lock`; `store` is thread-safe.
    let store: Store
    private let pid = getpid()
    private let lock = NSLock()
    private var firstError: (any Error)?

    init(store: Store) {
        self.store = store
    }

    func started(_ id: String) { book { try store.markRunning(id, pid: pid) } }

    func succeeded(_ id: String, outcome: StageOutcome, reason: String?) {
        book { try store.markSucceeded(id, outcome: outcome, reason: reason) }
    }

    func failed(_ id: String, error: String) { book { try store.markFailed(id, error: error) } }
    func blocked(_ id: String, by stage: String) { book { try store.markBlocked(id, by: stage) } }
    func pending(_ id: String, reason: String) { book { try store.markPending(id, reason: reason) } }

    /// A failed attempt that will be retried: the `retry` event (what failed, the backoff), then back to pending
    /// with `reason` (which attempt comes next).
    func retrying(_ id: String, event: String, reason: String) {
        store.appendEvent(node: id, kind: "retry", message: event)
        pending(id, reason: reason)
    }

    private func book(_ body: () throws -> Void) {
        do { try body() } catch {
            lock.lock()
            if firstError == nil { firstError = error }
            lock.unlock()
        }
    }

    /// Commits everything buffered; rethrows the first bookkeeping failure of the run.
    func flush() throws {
        try store.flush()
        lock.lock()
        let error = firstError
        firstError = nil
        lock.unlock()
        if let error { throw error }
    }

    /// Best effort for a forced exit.
    func flushForExit() {
        try? store.flush()
    }
}
