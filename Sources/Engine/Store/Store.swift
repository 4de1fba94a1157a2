import Foundation
import LemaCore

/// The run state of one pipeline: one SQLite file (`runs/<pipeline>/state.sqlite`) behind one connection and one
/// serial dispatch queue. Every public method is synchronous and thread-safe.
///
/// Durability. The file is in WAL mode with `synchronous=NORMAL`: a commit appends its pages to the WAL with
/// `write(2)` and returns without `fsync`. Once `write` returns the data belongs to the kernel, so every committed
/// transaction survives the process being killed (SIGKILL, crash, OOM) at any instant; the next opener replays the
/// WAL. Only an OS crash or power loss can lose the last few transactions — never corrupt the file, and never reorder
/// them (WAL frames are applied in order up to the last valid commit). That is exactly the guarantee resume needs:
/// a lost tail only means a few finished items or a status change are redone. `synchronous=FULL` would add an
/// fsync per commit (milliseconds each) for protection against power loss that a rerun already gives.
///
/// Buffered writers. Ledger records, node transitions (`markRunning`, `markSucceeded`, …), metrics, events and
/// progress are appended to an in-memory buffer under a lock and committed in one transaction when
/// `StoreOptions.batchSize` of them are waiting (on the queue, while producers go on), `maxDelay` after the first of
/// them arrived (a timer on the queue), before any other write (so commits happen in call order), before any read
/// (so readers of this store see their own writes), and on `flush()`/`close()`. After a crash the file holds a
/// prefix of the calls: at most the buffered tail (≤ `maxDelay` of work) is lost, and resume redoes it — a lost
/// ledger record reruns its item, a lost `succeeded` reruns its node (outputs are replaced atomically).
/// Writes whose loss could not be redone safely — the run lock, `reclaimOrphans`, `invalidate`, `recordCheckpoint`
/// (older checkpoint files may be deleted once a newer one is recorded) and `register` — are synchronous
/// transactions, committed when the call returns.
public final class Store: @unchecked Sendable {
    // @unchecked Sendable: `db` and `ledgerIDs` are only touched on `queue`; `buffer`, `deferredError`, `isClosed`
    // and `knownNodes(Loaded)` only under `bufferLock`; everything else is immutable.

    /// Number of migrations this build knows; recorded in `PRAGMA user_version`.
    public static var schemaVersion: Int { StoreMigrations.all.count }

    /// The database file.
    public let path: URL
    /// The buffered-writer knobs this store was opened with.
    public let options: StoreOptions

    let db: SQLiteConnection
    private let queue: DispatchQueue
    private let queueKey = DispatchSpecificKey<ObjectIdentifier>()
    let bufferLock = NSLock()
    var buffer = WriteBuffer()
    var deferredError: StoreError?
    var isClosed = false
    /// Ids of registered nodes (nodes are never deleted), so buffered transitions can reject unknown ids at the
    /// call. Guarded by `bufferLock`; loaded from the file on first use.
    var knownNodes = Set<String>()
    var knownNodesLoaded = false
    /// Node id → `ledger_nodes.id`, filled on demand; only touched on `queue`. Ids never change once assigned.
    private var ledgerIDs: [String: Int64] = [:]
    /// The kernel half of the run lock while this store holds it (see `Store+Lock`). Guarded by `bufferLock`.
    var runLockFile: RunLockFile?
    private let timer: DispatchSourceTimer

    /// Opens (creating it and its parent directories if needed) the store at `path`, switches it to WAL and
    /// applies pending migrations. Throws `StoreError.newerSchema` for a file written by a newer lema.
    public init(path: URL, options: StoreOptions = StoreOptions()) throws {
        self.path = path.standardizedFileURL
        self.options = options
        let directory = self.path.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.sqlite(path: self.path.path, code: 14, message: "cannot create directory "
                + "\(directory.path): \(error.localizedDescription)", sql: "open")
        }
        db = try SQLiteConnection(path: self.path.path)
        try db.execute("PRAGMA busy_timeout = \(Int(options.busyTimeout * 1000))")
        // 8 KB pages (for new files; an existing file keeps its size): half the page writes and WAL reads per
        // ledger item of 4 KB pages (measured: 32k vs 59k pwrite calls per million items, ~20% less CPU).
        try db.execute("PRAGMA page_size = 8192")
        // WAL: readers never block the writer and commits are appends (see the type's doc on durability).
        try db.execute("PRAGMA journal_mode = WAL")
        try db.execute("PRAGMA synchronous = NORMAL")
        try db.execute("PRAGMA foreign_keys = ON")
        // Checkpoint (copy WAL pages into the database, two fsyncs) every 32 MB of WAL rather than every 8 MB:
        // bulk ledger writing rewrites the same hot B-tree pages, and fewer checkpoints copy them fewer times
        // (measured ~25% less CPU per item). The WAL file is truncated back to 64 MB after a checkpoint.
        try db.execute("PRAGMA wal_autocheckpoint = 4096")  // pages of 8 KB
        try db.execute("PRAGMA journal_size_limit = 67108864")
        try StoreMigrations.migrate(db)

        queue = DispatchQueue(label: "lema.store.\(self.path.lastPathComponent)", qos: .userInitiated)
        timer = DispatchSource.makeTimerSource(queue: queue)
        queue.setSpecific(key: queueKey, value: ObjectIdentifier(self))
        timer.setEventHandler { [weak self] in self?.commitBufferInBackground() }
        timer.schedule(deadline: .distantFuture)
        timer.resume()
    }

    deinit {
        if !isClosed { try? close() }
    }

    // MARK: Queue

    /// Runs `body` on the store's queue (inline when already there, so internal callers cannot deadlock).
    func onQueue<T>(_ body: () throws -> T) throws -> T {
        if DispatchQueue.getSpecific(key: queueKey) == ObjectIdentifier(self) { return try body() }
        return try queue.sync(execute: body)
    }

    /// A read with read-your-writes semantics: buffered records are committed first.
    func read<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try onQueue {
            try checkOpen()
            try commitBuffer()
            return try body(db)
        }
    }

    /// A read of a table the buffer never holds (rows written through, like `responses`): the buffered ledger
    /// records need not be committed first, so frequent lookups do not cut the ledger's batches short.
    func readUnbuffered<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try onQueue {
            try checkOpen()
            return try body(db)
        }
    }

    /// A write transaction that first commits the buffered records (in the same transaction), so the database
    /// always reflects calls in the order they were made.
    func write<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try onQueue {
            try checkOpen()
            let taken = takeBuffer()
            do {
                return try db.transaction {
                    try taken.write(to: db, ledgerID: ledgerID)
                    return try body(db)
                }
            } catch {
                restoreBuffer(taken)
                ledgerIDs.removeAll()  // ids assigned in the rolled-back transaction may not exist
                throw error
            }
        }
    }

    private func checkOpen() throws {
        bufferLock.lock()
        defer { bufferLock.unlock() }
        if isClosed { throw StoreError.closed(path: path.path) }
    }

    // MARK: Flush and close

    /// Commits everything buffered (ledger records, node transitions, metrics, events, progress) now.
    public func flush() throws {
        try onQueue {
            try checkOpen()
            try commitBuffer()
        }
    }

    /// Releases the run lock if held, flushes, stops the timer and closes the connection. Later calls throw
    /// `StoreError.closed`.
    public func close() throws {
        // A held run lock goes first (row, then kernel lock), while the connection can still delete the row. A
        // failure to delete the row costs nothing: the kernel lock is released regardless, and the next owner
        // replaces a row whose process no longer holds it.
        try? releaseRunLock()
        try onQueue {
            bufferLock.lock()
            let already = isClosed
            bufferLock.unlock()
            if already { return }
            defer {
                timer.cancel()
                db.close()
            }
            let result = Result { try commitBuffer() }
            bufferLock.lock()
            isClosed = true
            bufferLock.unlock()
            try result.get()
        }
    }

    // MARK: Ledger node ids

    /// The compact id that ledger rows of `node` use, created on first use. Call on the queue, in a transaction.
    func ledgerID(_ node: String) throws -> Int64 {
        if let id = ledgerIDs[node] { return id }
        try db.run("INSERT OR IGNORE INTO ledger_nodes(node) VALUES (?)", [.text(node)])
        guard let id = try db.scalarInt("SELECT id FROM ledger_nodes WHERE node = ?", [.text(node)]) else {
            throw StoreError.invalidData(path: path.path, detail: "no ledger id for node \(node) after inserting it")
        }
        ledgerIDs[node] = id
        return id
    }

    /// SQL for "the ledger rows of the node bound to the next `?`".
    static let ledgerRowsOfNode = "node_id = (SELECT id FROM ledger_nodes WHERE node = ?)"

    // MARK: Buffer plumbing

    /// Commits what is buffered in its own transaction (on the queue). Restores the records on failure.
    func commitBuffer() throws {
        let taken = takeBuffer()
        guard !taken.isEmpty else { return }
        do {
            try db.transaction { try taken.write(to: db, ledgerID: ledgerID) }
        } catch {
            restoreBuffer(taken)
            ledgerIDs.removeAll()  // ids assigned in the rolled-back transaction may not exist
            throw error
        }
    }

    /// A commit nobody waits for (timer or full buffer): a failure is kept for the next buffered call or flush.
    private func commitBufferInBackground() {
        guard db.isOpen else { return }
        do {
            try commitBuffer()
        } catch let error as StoreError {
            bufferLock.lock()
            deferredError = error
            bufferLock.unlock()
        } catch {
            bufferLock.lock()
            deferredError = .invalidData(path: path.path, detail: "\(error)")
            bufferLock.unlock()
        }
    }

    private func takeBuffer() -> WriteBuffer {
        bufferLock.lock()
        defer { bufferLock.unlock() }
        let taken = buffer
        buffer = WriteBuffer()
        // A background failure leaves its records in the buffer; committing them now recovers from it.
        deferredError = nil
        return taken
    }

    private func restoreBuffer(_ taken: WriteBuffer) {
        bufferLock.lock()
        defer { bufferLock.unlock() }
        buffer = taken.merged(with: buffer)
        armTimerLocked()
    }

    /// Adds to the buffer; arms the age timer for the first record and schedules a commit at `batchSize`.
    /// Throws a failure of an earlier background commit (once) so it does not go unnoticed.
    func buffered(_ add: (inout WriteBuffer) -> Void) throws {
        bufferLock.lock()
        if isClosed {
            bufferLock.unlock()
            throw StoreError.closed(path: path.path)
        }
        if let error = deferredError {
            deferredError = nil
            bufferLock.unlock()
            throw error
        }
        add(&buffer)
        let count = buffer.count
        armTimerLocked()
        // A full buffer is committed on the queue while the producers go on (their work overlaps the commit on
        // another core). Producers that outrun the commits by far commit themselves: memory stays bounded and
        // they get natural backpressure.
        let scheduleCommit = count >= options.batchSize && !buffer.commitScheduled
        if scheduleCommit { buffer.commitScheduled = true }
        bufferLock.unlock()
        if count >= options.batchSize * 4 {
            try flush()
        } else if scheduleCommit {
            queue.async { [weak self] in self?.commitBufferInBackground() }
        }
    }

    /// Schedules the age-based commit unless it is already pending. Call with `bufferLock` held.
    private func armTimerLocked() {
        guard !buffer.isEmpty, !buffer.timerArmed else { return }
        buffer.timerArmed = true
        timer.schedule(deadline: .now() + options.maxDelay)
    }
}
