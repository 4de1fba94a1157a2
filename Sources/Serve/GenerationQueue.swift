import Foundation
import LemaCore
import TinyGPT

/// Micro-batching: requests from many connections are gathered (up to `batchRows` rows, waiting at most
/// `batchWait` after the first arrives) and generated together on one dedicated thread, so the model's kernels never
/// run on the NIO event loops or the cooperative pool. Rows share a batch only when their options are equal (the
/// sampler takes one set of options per batch); each row carries its own seed, so its text does not depend on its
/// batch-mates.
///
/// `@unchecked Sendable`: all mutable state (`pending`, `stopping`, `rowCounter`) is guarded by `condition`, and the
/// completer (whose model has mutable buffers) is used only by the generation thread.
final class GenerationQueue: @unchecked Sendable {
    struct Row: Sendable {
        var prompt: String
        var seed: UInt64
    }

    private struct Job {
        var rows: [Row]
        var options: TextCompletionOptions
        var continuation: CheckedContinuation<[TextCompletion], any Error>
    }

    private let completer: TextCompleter
    private let batchRows: Int
    private let batchWait: TimeInterval
    private let seedBase: UInt64
    private let condition = NSCondition()
    private var pending: [Job] = []
    private var stopping = false
    private var rowCounter: UInt64 = 0
    private let finished = DispatchSemaphore(value: 0)

    init(model: ServedModel, threads: Int, batchRows: Int, batchWait: TimeInterval, seedBase: UInt64) {
        completer = TextCompleter(model: model.model, tokenizer: model.tokenizer, threads: threads)
        self.batchRows = max(1, batchRows)
        self.batchWait = max(0, batchWait)
        self.seedBase = seedBase
        let thread = Thread { [self] in loop() }
        thread.name = "lema-serve-generation"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Seeds for rows whose request gave none: a server-wide counter, so repeated requests draw fresh samples.
    func nextSeeds(_ count: Int) -> [UInt64] {
        condition.lock()
        defer { condition.unlock() }
        let first = rowCounter
        rowCounter += UInt64(count)
        return (0..<UInt64(count)).map { SeededRNG.derive(seedBase, "row", String(first + $0)) }
    }

    /// Generates the rows (in order) and returns when they are done.
    func submit(_ rows: [Row], options: TextCompletionOptions) async throws -> [TextCompletion] {
        if rows.isEmpty { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            defer { condition.unlock() }
            guard !stopping else {
                continuation.resume(throwing: APIError(status: 503, message: "the server is shutting down",
                                                       type: "server_error"))
                return
            }
            pending.append(Job(rows: rows, options: options, continuation: continuation))
            condition.broadcast()
        }
    }

    /// Finishes the rows already submitted, then ends the generation thread; later submissions fail with 503.
    func shutdown() {
        condition.lock()
        let first = !stopping
        stopping = true
        condition.broadcast()
        condition.unlock()
        if first { finished.wait() }
    }

    private func loop() {
        while let jobs = nextBatch() { run(jobs) }
        finished.signal()
    }

    /// Waits for work, lingers up to `batchWait` for more rows with the same options, and takes a batch.
    /// Returns nil once stopping and drained.
    private func nextBatch() -> [Job]? {
        condition.lock()
        defer { condition.unlock() }
        while pending.isEmpty && !stopping { condition.wait() }
        guard let first = pending.first else { return nil }
        let deadline = Date(timeIntervalSinceNow: batchWait)
        while !stopping, rows(matching: first.options) < batchRows, condition.wait(until: deadline) {}
        var taken = [pending.removeFirst()]
        var count = first.rows.count
        var index = 0
        while index < pending.count {
            let job = pending[index]
            if job.options == first.options, count + job.rows.count <= batchRows {
                taken.append(pending.remove(at: index))
                count += job.rows.count
            } else {
                index += 1
            }
        }
        return taken
    }

    private func rows(matching options: TextCompletionOptions) -> Int {
        pending.reduce(0) { $0 + ($1.options == options ? $1.rows.count : 0) }
    }

    /// Generates the jobs' rows in chunks of at most `batchRows` (a job larger than a batch is split) and hands
    /// each job its results.
    private func run(_ jobs: [Job]) {
        let rows = jobs.flatMap(\.rows)
        var results: [TextCompletion] = []
        results.reserveCapacity(rows.count)
        do {
            var start = 0
            while start < rows.count {
                let chunk = rows[start..<min(rows.count, start + batchRows)]
                results += try completer.complete(chunk.map(\.prompt), options: jobs[0].options,
                                                  seeds: chunk.map(\.seed))
                start += chunk.count
            }
        } catch {
            let failure = APIError(status: 500, message: "generation failed: \(error)", type: "server_error")
            for job in jobs { job.continuation.resume(throwing: failure) }
            return
        }
        var offset = 0
        for job in jobs {
            job.continuation.resume(returning: Array(results[offset..<(offset + job.rows.count)]))
            offset += job.rows.count
        }
    }
}
