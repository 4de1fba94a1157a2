import Foundation
import LemaCore
import StageAPI
import Synchronization

/// Runs per-item work through the node's item ledger: items already recorded by an earlier (crashed or interrupted)
/// attempt are not run again, and each finished item is recorded as soon as its chunk finishes.
///
/// Items are grouped into chunks fixed by position (`chunkSize` consecutive items), never by what is left to do, so
/// a chunk computes exactly what it would have computed in an uninterrupted run: batched model calls see the same
/// batch whether or not the run was interrupted, which keeps outputs byte-identical after a resume. A chunk whose
/// items are all recorded is skipped; a partly recorded one runs whole and its already-recorded items keep their
/// first payload.
struct LedgeredMap {
    var keys: [String]
    var chunkSize: Int
    /// Chunks processed at the same time (each on its own thread).
    var workers: Int

    /// Returns one payload per key, in key order. `work` gets the indices of one chunk and returns their payloads.
    func run(_ context: any StageContext, note: String? = nil,
             work: @escaping @Sendable (Range<Int>) throws -> [Data]) throws -> [Data] {
        let keys = self.keys
        let finished = try context.ledger.finishedItems()
        let chunkSize = max(1, self.chunkSize)
        let chunks = stride(from: 0, to: keys.count, by: chunkSize).map { $0..<min($0 + chunkSize, keys.count) }
        let pending = chunks.filter { chunk in chunk.contains { finished[keys[$0]] == nil } }
        var initial = Shared(chunks: pending, results: Array(repeating: nil, count: keys.count),
                             done: keys.count - pending.reduce(0) { $0 + $1.count })
        for (i, key) in keys.enumerated() { if let payload = finished[key] { initial.results[i] = payload } }
        context.progress(done: initial.done, total: keys.count, note: note)
        let shared = Mutex(initial)

        DispatchQueue.concurrentPerform(iterations: max(1, min(workers, pending.count))) { _ in
            while !context.isCancelled, let chunk = shared.withLock({ $0.takeChunk() }) {
                do {
                    let payloads = try work(chunk)
                    guard payloads.count == chunk.count else {
                        throw StageFailure("internal: chunk returned \(payloads.count) results for \(chunk.count) items")
                    }
                    for (offset, index) in chunk.enumerated() where finished[keys[index]] == nil {
                        try context.ledger.record(key: keys[index], payload: payloads[offset])
                    }
                    let done = shared.withLock { state in
                        for (offset, index) in chunk.enumerated() where finished[keys[index]] == nil {
                            state.results[index] = payloads[offset]
                        }
                        state.done += chunk.count
                        return state.done
                    }
                    context.progress(done: done, total: keys.count, note: note)
                } catch {
                    shared.withLock { state in if state.failure == nil { state.failure = error } }
                }
            }
        }
        try context.ledger.flush()
        let (failure, results) = shared.withLock { ($0.failure, $0.results) }
        if let failure { throw failure }
        if context.isCancelled { throw StageCancelled() }
        return try results.enumerated().map { i, payload in
            guard let payload else { throw StageFailure("internal: item \(i) has no result") }
            return payload
        }
    }
}

/// What the workers of one `run` share, behind one lock: the chunks left to take, the payloads by item index, the
/// items done and the first failure (after which no chunk is taken).
private struct Shared {
    var chunks: [Range<Int>]
    var nextChunk = 0
    var results: [Data?]
    var done: Int
    var failure: (any Error)?

    init(chunks: [Range<Int>], results: [Data?], done: Int) {
        self.chunks = chunks
        self.results = results
        self.done = done
    }

    mutating func takeChunk() -> Range<Int>? {
        guard failure == nil, nextChunk < chunks.count else { return nil }
        defer { nextChunk += 1 }
        return chunks[nextChunk]
    }
}
