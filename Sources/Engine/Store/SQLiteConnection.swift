import CSQLite
import Foundation

/// SQLite's "copy the bytes now" destructor sentinel (a macro Swift does not import).
private let transientDestructor = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A thin owner of one `sqlite3*`. Not thread-safe by itself: `Store` only touches it on its serial queue.
/// Statements are prepared once per SQL text and cached (`statement(_:)`), then bound/stepped/reset per use.
final class SQLiteConnection {
    let path: String
    private var handle: OpaquePointer?
    private var cache: [String: SQLiteStatement] = [:]

    /// Opens `path`, creating it unless `mustExist` (a reader must never create an empty run).
    init(path: String, mustExist: Bool = false) throws {
        self.path = path
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | (mustExist ? 0 : SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(db)
            throw StoreError.sqlite(path: path, code: rc, message: message, sql: "open")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { close() }

    var isOpen: Bool { handle != nil }

    /// Finalizes cached statements and closes the handle. Safe to call twice.
    func close() {
        for statement in cache.values { statement.finalize() }
        cache.removeAll()
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    private func db() throws -> OpaquePointer {
        guard let handle else { throw StoreError.closed(path: path) }
        return handle
    }

    func error(_ code: Int32, sql: String) -> StoreError {
        let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
        return StoreError.sqlite(path: path, code: code, message: message, sql: sql)
    }

    /// Runs one or more statements without results (DDL, pragmas, BEGIN/COMMIT).
    func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(try db(), sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(errorMessage)
            throw StoreError.sqlite(path: path, code: rc, message: message, sql: sql)
        }
    }

    /// The cached prepared statement for `sql`, reset and with cleared bindings.
    func statement(_ sql: String) throws -> SQLiteStatement {
        if let cached = cache[sql] {
            cached.reset()
            return cached
        }
        var raw: OpaquePointer?
        let rc = sqlite3_prepare_v3(try db(), sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard rc == SQLITE_OK, let raw else { throw error(rc, sql: sql) }
        let statement = SQLiteStatement(raw, sql: sql, connection: self)
        cache[sql] = statement
        return statement
    }

    /// Binds `values` to `sql` and steps it to completion (for INSERT/UPDATE/DELETE).
    func run(_ sql: String, _ values: [SQLiteValue?] = []) throws {
        let statement = try self.statement(sql)
        try statement.bind(values)
        while try statement.step() {}
        statement.reset()
    }

    /// Binds `values`, then calls `row` for each result row.
    func query(_ sql: String, _ values: [SQLiteValue?] = [], row: (SQLiteStatement) throws -> Void) throws {
        let statement = try self.statement(sql)
        defer { statement.reset() }
        try statement.bind(values)
        while try statement.step() { try row(statement) }
    }

    /// The first column of the first row, as an integer (nil when there is no row or it is NULL).
    func scalarInt(_ sql: String, _ values: [SQLiteValue?] = []) throws -> Int64? {
        var result: Int64?
        try query(sql, values) { row in
            if result == nil, !row.isNull(0) { result = row.int64(0) }
        }
        return result
    }

    /// Rows changed by the last INSERT/UPDATE/DELETE.
    var changes: Int { handle.map { Int(sqlite3_changes($0)) } ?? 0 }

    /// Runs `body` inside a transaction; commits when it returns, rolls back when it throws.
    /// `immediate` takes the write lock up front (waiting up to the busy timeout) so the transaction cannot fail
    /// half-way with SQLITE_BUSY when it upgrades from reading to writing.
    func transaction<T>(immediate: Bool = true, _ body: () throws -> T) throws -> T {
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            // The transaction may already be gone (e.g. after SQLITE_FULL); the original error is what matters.
            try? execute("ROLLBACK")
            throw error
        }
    }
}

/// A value to bind. Integers, reals, text, blobs; `nil` in a binding array means NULL.
enum SQLiteValue {
    case int(Int64)
    case double(Double)
    case text(String)
    case blob(Data)
}

extension SQLiteValue {
    static func int(_ value: Int) -> SQLiteValue { .int(Int64(value)) }
    static func int32(_ value: Int32) -> SQLiteValue { .int(Int64(value)) }
    static func date(_ value: Date) -> SQLiteValue { .double(value.timeIntervalSince1970) }
}

/// A prepared statement owned by a `SQLiteConnection`'s cache.
final class SQLiteStatement {
    private let raw: OpaquePointer
    let sql: String
    private unowned let connection: SQLiteConnection
    private var finalized = false

    fileprivate init(_ raw: OpaquePointer, sql: String, connection: SQLiteConnection) {
        self.raw = raw
        self.sql = sql
        self.connection = connection
    }

    fileprivate func finalize() {
        guard !finalized else { return }
        sqlite3_finalize(raw)
        finalized = true
    }

    func reset() {
        sqlite3_reset(raw)
        sqlite3_clear_bindings(raw)
    }

    func bind(_ values: [SQLiteValue?]) throws {
        for (offset, value) in values.enumerated() { try bind(value, at: Int32(offset + 1)) }
    }

    /// Binds one value at a 1-based index.
    func bind(_ value: SQLiteValue?, at index: Int32) throws {
        let rc: Int32
        switch value {
        case nil: rc = sqlite3_bind_null(raw, index)
        case .int(let v): rc = sqlite3_bind_int64(raw, index, v)
        case .double(let v): rc = sqlite3_bind_double(raw, index, v)
        case .text(let v): rc = sqlite3_bind_text(raw, index, v, -1, transientDestructor)
        case .blob(let v):
            rc = v.withUnsafeBytes { bytes in
                // A zero-length blob with a nil base would bind NULL; zeroblob keeps it an empty BLOB.
                guard let base = bytes.baseAddress, bytes.count > 0 else { return sqlite3_bind_zeroblob(raw, index, 0) }
                return sqlite3_bind_blob(raw, index, base, Int32(bytes.count), transientDestructor)
            }
        }
        if rc != SQLITE_OK { throw connection.error(rc, sql: sql) }
    }

    /// Advances; true when a row is available, false when done.
    func step() throws -> Bool {
        let rc = sqlite3_step(raw)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let error = connection.error(rc, sql: sql)
        sqlite3_reset(raw)
        throw error
    }

    // MARK: Typed column reads (0-based index)

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(raw, column) == SQLITE_NULL }
    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(raw, column) }
    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(raw, column)) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(raw, column) }

    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(raw, column) else { return "" }
        let count = Int(sqlite3_column_bytes(raw, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    func blob(_ column: Int32) -> Data {
        let count = Int(sqlite3_column_bytes(raw, column))
        guard count > 0, let bytes = sqlite3_column_blob(raw, column) else { return Data() }
        return Data(bytes: bytes, count: count)
    }

    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }
    func optionalInt(_ column: Int32) -> Int? { isNull(column) ? nil : int(column) }
    func optionalDate(_ column: Int32) -> Date? {
        isNull(column) ? nil : Date(timeIntervalSince1970: double(column))
    }
}
