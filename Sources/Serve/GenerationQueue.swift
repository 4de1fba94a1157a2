import Foundation
import LemaCore
import TinyGPT

/// Micro-batching: requests from many connections are gathered (up to `batchRows` rows, waiting at most
/// `batchWait` after the first arrives) and generated together on one dedicated thread, so the model's kernels never
/// run on the NIO event loops or the cooperative pool. Rows share a batch only when their options are equal (the
/// sampler takes one set of options per batch); each row carries its own seed, so its text does not depend on its
/// batch-mates. A streamed request's rows report each token as it is generated (`GenerationStream`); a row whose
/// reader went away ends at its next token, and a batch ends when all its rows have.
///
/// `@unchecked Sendable`: all mutable state (`pending`, `stopping`, `rowCounter`) is guarded by `condition`, the
/// counters by their locks, and the completer (whose model has mutable buffers) is used only by the generation
/// thread.
final class GenerationQueue: @unchecked Sendable {
    struct Row: Sendable {
        var prompt: String
        var seed: UInt64
    }

    private enum Delivery {
        /// All rows at once when the job's last batch is done.
        case whole(CheckedContinuation<[TextCompletion], any Error>)
        /// Token by token.
        case streamed(GenerationStream)
    }

    private struct Job {
        var rows: [Row]
        var options: DecodingSettings
        var delivery: Delivery

        var stream: GenerationStream? {
            if case .streamed(let stream) = delivery { stream } else { nil }
        }

        func fail(_ error: APIError) {
            switch delivery {
            case .whole(let continuation): continuation.resume(throwing: error)
            case .streamed(let stream): stream.fail(error)
            }
        }
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
    private let afterStreamedToken: (@Sendable () -> Void)?
    /// Rows of the batch being generated now.
    let activeRows = Locked(0)
    /// Rows ended early, or never started, because their reader went away.
    let abandonedRows = Locked(0)

    var tokenizer: any Tokenizer { completer.tokenizer }

    /// - Parameter afterStreamedToken: called on the generation thread after each token of a streamed row (tests
    ///   use it to hold generation at a known token)
    init(model: ServedModel, threads: Int, batchRows: Int, batchWait: TimeInterval, seedBase: UInt64,
         afterStreamedToken: (@Sendable () -> Void)? = nil) {
        completer = TextCompleter(model: model.model, tokenizer: model.tokenizer, threads: threads)
        self.batchRows = max(1, batchRows)
        self.batchWait = max(0, batchWait)
        self.seedBase = seedBase
        self.afterStreamedToken = afterStreamedToken
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
    func submit(_ rows: [Row], options: DecodingSettings) async throws -> [TextCompletion] {
        if rows.isEmpty { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            enqueue(Job(rows: rows, options: options, delivery: .whole(continuation)))
        }
    }

    /// Generates the rows (in order), reporting each token as it comes; the stream ends when every row has.
    func stream(_ rows: [Row], options: DecodingSettings) -> GenerationStream {
        let stream = GenerationStream(rows: rows.count)
        if rows.isEmpty {
            stream.close()
        } else {
            enqueue(Job(rows: rows, options: options, delivery: .streamed(stream)))
        }
        return stream
    }

    private func enqueue(_ job: Job) {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else {
            job.fail(APIError(status: 503, message: "the server is shutting down", type: "server_error"))
            return
        }
        pending.append(job)
        condition.broadcast()
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
        dropAbandoned()
        guard let first = pending.first else { return stopping ? nil : [] }
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

    /// Streamed requests whose reader left before their rows ran are not run at all.
    private func dropAbandoned() {
        pending.removeAll { job in
            guard let stream = job.stream, stream.abandoned else { return false }
            stream.close()
            abandonedRows.withLock { $0 += job.rows.count }
            return true
        }
    }

    private func rows(matching options: DecodingSettings) -> Int {
        pending.reduce(0) { $0 + ($1.options == options ? $1.rows.count : 0) }
    }

    /// Generates the jobs' rows in chunks of at most `batchRows` (a job larger than a batch is split) and hands
    /// each job its results; streamed jobs hear each token on the way.
    private func run(_ jobs: [Job]) {
        if jobs.isEmpty { return }
        // Per row of the jobs: its job and its row in that job.
        let owners = jobs.indices.flatMap { j in jobs[j].rows.indices.map { (job: j, row: $0) } }
        let rows = jobs.flatMap(\.rows)
        var results: [TextCompletion] = []
        results.reserveCapacity(rows.count)
        do {
            var start = 0
            while start < rows.count {
                let range = start..<min(rows.count, start + batchRows)
                let targets = owners[range].map { owner in
                    jobs[owner.job].stream.map { (stream: $0, row: owner.row) }
                }
                // Only a batch with streamed rows is observed; the others run exactly as without streaming.
                let router = targets.contains { $0 != nil }
                    ? BatchRouter(targets: targets, afterToken: afterStreamedToken, abandonedRows: abandonedRows)
                    : nil
                activeRows.withLock { $0 = range.count }
                defer { activeRows.withLock { $0 = 0 } }
                results += try completer.complete(range.map { rows[$0].prompt }, options: jobs[0].options,
                                                  seeds: range.map { rows[$0].seed }, observer: router)
                start = range.upperBound
            }
        } catch {
            let failure = APIError(status: 500, message: "generation failed: \(error)", type: "server_error")
            for job in jobs { job.fail(failure) }
            return
        }
        var offset = 0
        for job in jobs {
            let mine = results[offset..<(offset + job.rows.count)]
            switch job.delivery {
            case .whole(let continuation): continuation.resume(returning: Array(mine))
            case .streamed(let stream): stream.deliver(mine, rows: 0..<job.rows.count)
            }
            offset += job.rows.count
        }
    }
}
