import Foundation

/// Named, append-only schema migrations. A migration, once released, is never edited or reordered: a change to the
/// schema is a new entry at the end. `PRAGMA user_version` mirrors the number applied, and the `migrations` table
/// records their names, so a file written by a newer lema (more or unknown migrations) is refused with a clear
/// message instead of being misread.
enum StoreMigrations {
    static let all: [(name: String, sql: String)] = [
        ("0001-initial", initial),
        ("0002-indexes", indexes),
        ("0003-responses", responses),
        ("0004-jobs", jobs),
        ("0005-job-start", jobStart),
    ]

    /// Tables. The high-volume tables (ledger, metrics, events, checkpoints) carry no foreign keys: they are
    /// written in batches from timers, where a constraint failure could not be reported to the caller in time,
    /// and nodes are never deleted; `invalidate` removes their rows explicitly.
    private static let initial = """
        CREATE TABLE nodes (
            id TEXT PRIMARY KEY NOT NULL,          -- fingerprint (hex SHA-256)
            stage TEXT NOT NULL,
            kind TEXT NOT NULL,
            kind_version INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending','running','succeeded','failed','blocked','cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0,
            started_at REAL,                        -- unix seconds
            finished_at REAL,
            error TEXT,
            reason TEXT,
            artifacts TEXT NOT NULL DEFAULT '{}',   -- JSON: name -> path relative to the output directory
            summary TEXT NOT NULL DEFAULT '{}',     -- JSON object
            components TEXT NOT NULL,               -- canonical JSON of what the fingerprint hashes
            progress_done INTEGER NOT NULL DEFAULT 0,
            progress_total INTEGER,
            progress_note TEXT,
            owner_pid INTEGER,
            owner_start INTEGER,                    -- kernel start time of owner_pid (pid-reuse check)
            registered_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE TABLE edges (
            child TEXT NOT NULL REFERENCES nodes(id),
            parameter TEXT NOT NULL,
            position INTEGER NOT NULL,
            parent TEXT NOT NULL REFERENCES nodes(id),
            artifact TEXT,
            PRIMARY KEY (child, parameter, position)
        ) WITHOUT ROWID;
        CREATE TABLE variants (
            name TEXT PRIMARY KEY NOT NULL,
            position INTEGER NOT NULL,
            params TEXT NOT NULL                    -- canonical JSON object
        );
        CREATE TABLE variant_stages (
            variant TEXT NOT NULL REFERENCES variants(name) ON DELETE CASCADE,
            stage TEXT NOT NULL,
            node TEXT NOT NULL REFERENCES nodes(id),
            PRIMARY KEY (variant, stage)
        ) WITHOUT ROWID;
        -- Ledger rows name their node by a small integer: the 64-character fingerprint would otherwise be repeated
        -- in every row and more than double the file (measured: 142 → ~60 bytes per 32-byte-payload item).
        -- Any node id may have a ledger (no foreign key to nodes), so the mapping has its own table.
        CREATE TABLE ledger_nodes (
            id INTEGER PRIMARY KEY,
            node TEXT NOT NULL UNIQUE
        );
        -- WITHOUT ROWID: rows are stored in primary-key order in one B-tree, with no second index for the key.
        CREATE TABLE ledger (
            node_id INTEGER NOT NULL,               -- ledger_nodes.id
            key TEXT NOT NULL,
            status INTEGER NOT NULL DEFAULT 1,      -- 1 = done (rows exist only for finished items today)
            payload BLOB NOT NULL,
            recorded_at REAL NOT NULL,
            PRIMARY KEY (node_id, key)
        ) WITHOUT ROWID;
        CREATE TABLE checkpoints (
            node TEXT NOT NULL,
            step INTEGER NOT NULL,
            file TEXT NOT NULL,                     -- relative to the node's checkpoint directory
            recorded_at REAL NOT NULL,
            PRIMARY KEY (node, step)
        ) WITHOUT ROWID;
        CREATE TABLE metrics (
            node TEXT NOT NULL,
            name TEXT NOT NULL,
            step INTEGER NOT NULL,
            value REAL NOT NULL,
            recorded_at REAL NOT NULL,
            PRIMARY KEY (node, name, step)
        ) WITHOUT ROWID;
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at REAL NOT NULL,
            node TEXT,
            kind TEXT NOT NULL,
            message TEXT NOT NULL,
            pid INTEGER NOT NULL
        );
        CREATE TABLE run_lock (
            id INTEGER PRIMARY KEY CHECK (id = 1),  -- at most one row
            pid INTEGER NOT NULL,
            host TEXT NOT NULL,
            command TEXT NOT NULL,
            since REAL NOT NULL,
            start_time INTEGER
        );
        """

    private static let indexes = """
        CREATE INDEX nodes_by_stage ON nodes(stage);
        CREATE INDEX nodes_by_status ON nodes(status);
        CREATE INDEX edges_by_parent ON edges(parent);
        CREATE INDEX events_by_node ON events(node, id);
        """

    /// Model-endpoint responses (the request cache): one row per distinct request, kept across runs and shared by
    /// every node, so a resumed or re-run stage never sends a request whose answer is already here.
    private static let responses = """
        CREATE TABLE responses (
            key TEXT PRIMARY KEY NOT NULL,          -- digest of (endpoint, model, request body, sample index)
            node TEXT NOT NULL,                     -- the node whose call fetched it (usage and cost per stage)
            endpoint TEXT NOT NULL,                 -- URL called (never a key: keys travel in headers only)
            model TEXT NOT NULL,
            body BLOB NOT NULL,                     -- the response body as received
            prompt_tokens INTEGER NOT NULL,
            completion_tokens INTEGER NOT NULL,
            recorded_at REAL NOT NULL
        );
        CREATE INDEX responses_by_node ON responses(node);
        """

    /// Cluster jobs (slurm executor): one row per (node, attempt), written before sbatch runs (the intent, with no
    /// job id yet) and again the moment it answers, so a controller that died in between looks the job up by name
    /// instead of submitting the node twice.
    private static let jobs = """
        CREATE TABLE jobs (
            node TEXT NOT NULL,                     -- node fingerprint
            attempt INTEGER NOT NULL,               -- 1-based
            job_name TEXT NOT NULL,                 -- lema.<run>.<node>.<attempt>
            job_id TEXT,                            -- NULL until sbatch answered
            submitted_at REAL NOT NULL,
            state TEXT NOT NULL DEFAULT 'SUBMITTING', -- last state seen: PENDING, RUNNING, TIMEOUT, …, LOST
            reason TEXT,                            -- last message shown for it
            ended_at REAL,                          -- NULL while the job may still run
            PRIMARY KEY (node, attempt)
        ) WITHOUT ROWID;
        CREATE INDEX jobs_live ON jobs(ended_at, node);
        """

    /// When a job's payload started (first seen running, back-dated by Slurm's elapsed time), for `lema status`.
    private static let jobStart = "ALTER TABLE jobs ADD COLUMN started_at REAL;"

    /// Applies missing migrations in one IMMEDIATE transaction (concurrent openers serialise on it).
    /// Throws `StoreError.newerSchema` when the file knows more than this build.
    static func migrate(_ db: SQLiteConnection) throws {
        try db.transaction {
            try db.execute("""
                CREATE TABLE IF NOT EXISTS migrations (
                    name TEXT PRIMARY KEY NOT NULL, applied_at REAL NOT NULL)
                """)
            var applied: [String] = []
            try db.query("SELECT name FROM migrations ORDER BY name") { applied.append($0.text(0)) }
            let known = Set(all.map(\.name))
            let unknown = applied.filter { !known.contains($0) }
            let version = Int(try db.scalarInt("PRAGMA user_version") ?? 0)
            if version > all.count || !unknown.isEmpty {
                throw StoreError.newerSchema(path: db.path, found: max(version, applied.count),
                                             supported: all.count, unknownMigrations: unknown)
            }
            let done = Set(applied)
            for migration in all where !done.contains(migration.name) {
                try db.execute(migration.sql)
                try db.run("INSERT INTO migrations(name, applied_at) VALUES (?, ?)",
                           [.text(migration.name), .date(Date())])
            }
            if version != all.count { try db.execute("PRAGMA user_version = \(all.count)") }
        }
    }
}
