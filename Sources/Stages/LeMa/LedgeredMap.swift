import Foundation
import LemaCore
import StageAPI

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
        let results = ResultSlots(count: keys.count)
        for (i, key) in keys.enumerated() { if let payload = finished[key] { results.set(i, payload) } }
        let progress = ProgressCounter(done: keys.count - pending.reduce(0) { $0 + $1.count }, total: keys.count)
        context.progress(done: progress.done, total: keys.count, note: note)

        let next = ChunkQueue(pending)
        let failure = FailureBox()
        DispatchQueue.concurrentPerform(iterations: max(1, min(workers, pending.count))) { _ in
            while failure.error == nil, !context.isCancelled, let chunk = next.pop() {
                do {
                    let payloads = try work(chunk)
                    guard payloads.count == chunk.count else {
                        throw StageFailure("internal: chunk returned \(payloads.count) results for \(chunk.count) items")
                    }
                    for (offset, index) in chunk.enumerated() where finished[keys[index]] == nil {
                        try context.ledger.record(key: keys[index], payload: payloads[offset])
                        results.set(index, payloads[offset])
                    }
                    context.progress(done: progress.add(chunk.count), total: keys.count, note: note)
                } catch {
                    failure.set(error)
                }
            }
        }
        try context.ledger.flush()
        if let error = failure.error { throw error }
        if context.isCancelled { throw StageCancelled() }
        return try results.all()
    }
}

/// Per-index result slots written by concurrent chunks (each index written by one chunk only; the lock makes the
/// writes visible to the thread that collects them).
private final class ResultSlots: @unchecked Sendable {
    private var slots: [Data?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ data: Data) { lock.withLock { slots[i] = data } }
    func all() throws -> [Data] {
        try lock.withLock {
            try slots.enumerated().map { i, d in
                guard let d else { throw StageFailure("internal: item \(i) has no result") }
                return d
            }
        }
    }
}

private final class ChunkQueue: @unchecked Sendable {
    private var chunks: [Range<Int>]
    private var position = 0
    private let lock = NSLock()
    init(_ chunks: [Range<Int>]) { self.chunks = chunks }
    func pop() -> Range<Int>? {
        lock.withLock {
            guard position < chunks.count else { return nil }
            defer { position += 1 }
            return chunks[position]
        }
    }
}

private final class ProgressCounter: @unchecked Sendable {
    private(set) var done: Int
    let total: Int
    private let lock = NSLock()
    init(done: Int, total: Int) { self.done = done; self.total = total }
    func add(_ n: Int) -> Int { lock.withLock { done += n; return done } }
}

private final class FailureBox: @unchecked Sendable {
    private var stored: Error?
    private let lock = NSLock()
    var error: Error? { lock.withLock { stored } }
    func set(_ e: Error) { lock.withLock { if stored == nil { stored = e } } }
}
