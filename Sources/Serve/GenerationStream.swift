import Foundation
import LemaCore
import TinyGPT

/// One streamed request's rows while they generate: tokens and finished rows go from the generation thread to the
/// request's task (`events`), and the reader's departure (`abandon()`) goes back, so its rows stop at their next
/// token and, if they are not started yet, never run.
///
/// `Sendable`: `events` is an `AsyncStream`; the flags are behind locks.
final class GenerationStream: Sendable {
    enum Event: Sendable {
        /// Row `row` of the request generated `token` and goes on.
        case token(row: Int, token: Int32, logprob: Float)
        /// Row `row` is done.
        case finished(row: Int, TextCompletion)
        /// Generation failed; no more events follow.
        case failed(APIError)
    }

    let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let isAbandoned = Locked(false)
    /// Per row: finished already (a row's end is reported once, by the observer or by `deliver`).
    private let done: Locked<[Bool]>

    init(rows: Int) {
        (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
        done = Locked([Bool](repeating: false, count: rows))
        continuation.onTermination = { [isAbandoned] _ in isAbandoned.withLock { $0 = true } }
    }

    /// The reader went away (disconnected, or its task ended early).
    func abandon() {
        isAbandoned.withLock { $0 = true }
    }

    var abandoned: Bool { isAbandoned.withLock { $0 } }

    func token(row: Int, token: Int32, logprob: Float) {
        continuation.yield(.token(row: row, token: token, logprob: logprob))
    }

    func finish(row: Int, _ completion: TextCompletion) {
        let first = done.withLock { done -> Bool in
            defer { done[row] = true }
            return !done[row]
        }
        guard first else { return }
        continuation.yield(.finished(row: row, completion))
        if done.withLock({ $0.allSatisfy { $0 } }) { continuation.finish() }
    }

    /// The batch holding rows `range` (of this request) is over: rows it did not report (no token generated) end
    /// with their results.
    func deliver(_ results: ArraySlice<TextCompletion>, rows range: Range<Int>) {
        for (row, completion) in zip(range, results) { finish(row: row, completion) }
    }

    func fail(_ error: APIError) {
        continuation.yield(.failed(error))
        continuation.finish()
    }

    /// Ends the stream without events (the request was dropped before it ran).
    func close() { continuation.finish() }
}

/// Routes the observer calls of one batch to the streams of the requests whose rows it holds.
///
/// Not `Sendable`: lives on the generation thread for one `complete` call.
final class BatchRouter: TextCompletionObserver {
    /// Per batch row: its request's stream and its row in that request (nil: a non-streamed request's row).
    private let targets: [(stream: GenerationStream, row: Int)?]
    private let afterToken: (@Sendable () -> Void)?
    private let abandonedRows: Locked<Int>

    init(targets: [(stream: GenerationStream, row: Int)?], afterToken: (@Sendable () -> Void)?,
         abandonedRows: Locked<Int>) {
        self.targets = targets
        self.afterToken = afterToken
        self.abandonedRows = abandonedRows
    }

    func generated(row: Int, token: Int32, logprob: Float) {
        guard let target = targets[row] else { return }
        target.stream.token(row: target.row, token: token, logprob: logprob)
        afterToken?()
    }

    func finished(row: Int, _ completion: TextCompletion) {
        guard let target = targets[row] else { return }
        target.stream.finish(row: target.row, completion)
    }

    func shouldAbandon(row: Int) -> Bool {
        guard let target = targets[row], target.stream.abandoned else { return false }
        abandonedRows.withLock { $0 += 1 }
        return true
    }
}
