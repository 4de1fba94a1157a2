import Foundation
import Testing
@testable import Engine

@Suite("Store schema and migrations")
struct StoreSchemaTests {
    @Test func createsFileWithWALAndRecordsEveryMigration() throws {
        try StoreFixtures.withTemporaryDirectory { dir in
            let store = try Store(path: StoreFixtures.storeURL(dir))
            defer { try? store.close() }
            #expect(FileManager.default.fileExists(atPath: StoreFixtures.storeURL(dir).path))
            let (version, mode, foreignKeys, names) = try store.read { db in
                (try db.scalarInt("PRAGMA user_version"),
                 try { var m = ""; try db.query("PRAGMA journal_mode") { m = $0.text(0) }; return m }(),
                 try db.scalarInt("PRAGMA foreign_keys"),
                 try { var n: [String] = []; try db.query("SELECT name FROM migrations ORDER BY name") {
                     n.append($0.text(0)) }; return n }())
            }
            #expect(version == Int64(StoreMigrations.all.count))
            #expect(Store.schemaVersion == StoreMigrations.all.count)
            #expect(mode == "wal")
            #expect(foreignKeys == 1)
            #expect(names == StoreMigrations.all.map(\.name))
        }
    }

    @Test func reopeningAppliesNothingTwiceAndKeepsData() throws {
        try StoreFixtures.withTemporaryDirectory { dir in
            let first = try Store(path: StoreFixtures.storeURL(dir))
            try first.register(StoreFixtures.sampleGraph())
            try first.close()
            for _ in 0..<3 {
                let again = try Store(path: StoreFixtures.storeURL(dir))
                let (rows, version) = try again.read { db in
                    (try db.scalarInt("SELECT count(*) FROM migrations"), try db.scalarInt("PRAGMA user_version"))
                }
                #expect(rows == Int64(Store.schemaVersion))
                #expect(version == Int64(Store.schemaVersion))
                #expect(try again.nodeRecords().count == 3)
                try again.close()
            }
        }
    }

    @Test func fileFromNewerSchemaIsRefusedWithVersions() throws {
        try StoreFixtures.withTemporaryDirectory { dir in
            let store = try Store(path: StoreFixtures.storeURL(dir))
            let newer = Store.schemaVersion + 3
            try store.read { db in try db.execute("PRAGMA user_version = \(newer)") }
            try store.close()
            let error = #expect(throws: StoreError.self) { try Store(path: StoreFixtures.storeURL(dir)) }
            let message = error.map { "\($0)" } ?? ""
            #expect(message.contains("runs/demo/state.sqlite") || message.contains(StoreFixtures.storeURL(dir).lastPathComponent))
            #expect(message.contains("newer lema (schema version \(newer))"))
            #expect(message.contains("supports up to version \(Store.schemaVersion)"))
        }
    }

    @Test func unknownMigrationNameIsRefused() throws {
        try StoreFixtures.withTemporaryDirectory { dir in
            let store = try Store(path: StoreFixtures.storeURL(dir))
            try store.read { db in
                try db.run("INSERT INTO migrations(name, applied_at) VALUES ('9999-from-the-future', 0)")
            }
            try store.close()
            let error = #expect(throws: StoreError.self) { try Store(path: StoreFixtures.storeURL(dir)) }
            #expect("\(error.map { "\($0)" } ?? "")".contains("unknown migrations: 9999-from-the-future"))
        }
    }

    @Test func useAfterCloseThrowsClosed() throws {
        try StoreFixtures.withTemporaryDirectory { dir in
            let store = try Store(path: StoreFixtures.storeURL(dir))
            try store.close()
            try store.close()  // second close is a no-op
            #expect(throws: StoreError.self) { try store.nodeRecords() }
            #expect(throws: StoreError.self) { try store.ledger(for: StoreFixtures.fingerprint("a")).record(key: "k", payload: Data()) }
        }
    }

    @Test func sqliteErrorsNameTheFileAndStatement() throws {
        try StoreFixtures.withTemporaryDirectory { dir in
            let store = try Store(path: StoreFixtures.storeURL(dir))
            defer { try? store.close() }
            let error = #expect(throws: StoreError.self) {
                try store.read { db in try db.run("INSERT INTO no_such_table VALUES (1)") }
            }
            let message = error.map { "\($0)" } ?? ""
            #expect(message.contains("no such table: no_such_table"))
            #expect(message.contains("INSERT INTO no_such_table VALUES (1)"))
            #expect(message.contains("state.sqlite"))
        }
    }

    /// A writer that cannot get the write lock within the busy timeout fails with SQLite's message and the file.
    @Test func busyTimeoutGivesUpWithAClearError() throws {
        try StoreFixtures.withTemporaryDirectory { dir in
            let holder = try Store(path: StoreFixtures.storeURL(dir))
            defer { try? holder.close() }
            let waiter = try Store(path: StoreFixtures.storeURL(dir), options: StoreOptions(busyTimeout: 0.1))
            defer { try? waiter.close() }
            try holder.read { db in try db.execute("BEGIN IMMEDIATE") }
            let error = #expect(throws: StoreError.self) { try waiter.register(StoreFixtures.sampleGraph()) }
            let message = error.map { "\($0)" } ?? ""
            #expect(message.contains("database is locked"))
            #expect(message.contains("state.sqlite"))
            try holder.read { db in try db.execute("COMMIT") }
            try waiter.register(StoreFixtures.sampleGraph())
            #expect(try holder.nodeRecords().count == 3)
        }
    }
}
