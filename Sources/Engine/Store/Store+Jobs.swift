import Foundation

/// One cluster job of a node, as the store remembers it.
public struct JobRecord: Sendable, Hashable {
    /// The node's fingerprint.
    public var node: String
    /// 1 for the node's first job; each retry is a new attempt with its own row and job (a requeue is not).
    public var attempt: Int
    /// The `--job-name` given to sbatch, `lema.<run>.<node>.<attempt>` (`JobName`).
    public var jobName: String
    /// Nil while the submission's answer is unknown (sbatch still running, or the controller died before it
    /// answered): look the job up by `jobName` before submitting again.
    public var jobID: String?
    /// When the submission was recorded, just before sbatch ran; rows are listed in this order.
    public var submittedAt: Date
    /// Last state seen (`JobState.name`), `SUBMITTING` before sbatch answered.
    public var state: String
    /// The last message shown for the job (`JobState.message`: Slurm's pending reason, why it ended), nil if none yet.
    public var reason: String?
    /// Nil while the job may still run.
    public var endedAt: Date?
    /// When it was first seen running (nil while pending, or when it ended before anyone saw it run).
    public var startedAt: Date?

    /// A row as read from the `jobs` table; the store creates rows through `recordJobIntent`.
    public init(node: String, attempt: Int, jobName: String, jobID: String?, submittedAt: Date, state: String,
                reason: String?, endedAt: Date?, startedAt: Date? = nil) {
        self.node = node
        self.attempt = attempt
        self.jobName = jobName
        self.jobID = jobID
        self.submittedAt = submittedAt
        self.state = state
        self.reason = reason
        self.endedAt = endedAt
        self.startedAt = startedAt
    }

    /// Seconds the job has run (until `now` while it runs), or nil when it never ran.
    public func elapsed(now: Date = Date()) -> TimeInterval? {
        startedAt.map { max(0, (endedAt ?? now).timeIntervalSince($0)) }
    }
}

/// A new state for a job.
public struct JobUpdate: Sendable, Hashable {
    /// The node's fingerprint.
    public var node: String
    /// Which attempt's row to update.
    public var attempt: Int
    /// The state's name (`JobState.name`, e.g. `RUNNING`, `TIMEOUT`, or `LOST`).
    public var state: String
    /// The message to show for the state; nil clears the recorded one.
    public var reason: String?
    /// Set when the job has ended (for good: a requeued job is not ended).
    public var endedAt: Date?
    /// When the job started running; nil keeps what is recorded.
    public var startedAt: Date?

    /// Replaces the row's state, reason and `endedAt` (nil: still live); a nil `startedAt` keeps the recorded one.
    public init(node: String, attempt: Int, state: String, reason: String?, endedAt: Date?, startedAt: Date? = nil) {
        self.node = node
        self.attempt = attempt
        self.state = state
        self.reason = reason
        self.endedAt = endedAt
        self.startedAt = startedAt
    }
}

/// The `jobs` table. Every write here is synchronous (committed on return): a job id that is lost in a crash is a
/// job the next controller cannot reattach to, and might submit again.
extension Store {
    /// Records the intent to submit `attempt` of `node` as `jobName`, before sbatch runs. Returns false (writing
    /// nothing) when that attempt already has a row: it was submitted, or may have been — never submit it again.
    @discardableResult
    public func recordJobIntent(node: String, attempt: Int, jobName: String, at date: Date = Date()) throws -> Bool {
        try write { db in
            try db.run("""
                INSERT OR IGNORE INTO jobs(node, attempt, job_name, submitted_at) VALUES (?, ?, ?, ?)
                """, [.text(node), .int(attempt), .text(jobName), .date(date)])
            return db.changes == 1
        }
    }

    /// Records the job id sbatch returned (or that a lookup by name found) for an attempt.
    public func recordJobID(node: String, attempt: Int, jobID: String) throws {
        try write { db in
            try db.run("UPDATE jobs SET job_id = ?, state = CASE state WHEN 'SUBMITTING' THEN 'PENDING' ELSE state END "
                       + "WHERE node = ? AND attempt = ?", [.text(jobID), .text(node), .int(attempt)])
        }
    }

    /// Applies the states one poll found, in one transaction.
    public func updateJobs(_ updates: [JobUpdate]) throws {
        guard !updates.isEmpty else { return }
        try write { db in
            for u in updates {
                try db.run("""
                    UPDATE jobs SET state = ?, reason = ?, ended_at = ?, started_at = COALESCE(?, started_at)
                    WHERE node = ? AND attempt = ?
                    """, [.text(u.state), u.reason.map { .text($0) }, u.endedAt.map { .date($0) },
                          u.startedAt.map { .date($0) }, .text(u.node), .int(u.attempt)])
            }
        }
    }

    /// Jobs that have not ended (to reattach to after a restart, or to cancel), oldest first.
    public func liveJobs() throws -> [JobRecord] {
        try jobs(where: "ended_at IS NULL")
    }

    /// Every job of the run, oldest first.
    public func allJobs() throws -> [JobRecord] {
        try jobs(where: "1")
    }

    /// Every attempt's job of one node, first attempt first.
    public func jobs(ofNode node: String) throws -> [JobRecord] {
        try jobs(where: "node = ?", [.text(node)])
    }

    private func jobs(where condition: String, _ values: [SQLiteValue?] = []) throws -> [JobRecord] {
        try read { db in try Self.jobs(db, where: condition, values) }
    }

    /// Jobs matching `condition`, oldest first; shared with `StoreReader`.
    static func jobs(_ db: SQLiteConnection, where condition: String, _ values: [SQLiteValue?] = []) throws
        -> [JobRecord] {
        var out: [JobRecord] = []
        try db.query("""
            SELECT node, attempt, job_name, job_id, submitted_at, state, reason, ended_at, started_at FROM jobs
            WHERE \(condition) ORDER BY submitted_at, node, attempt
            """, values) { row in
            out.append(JobRecord(node: row.text(0), attempt: row.int(1), jobName: row.text(2),
                                 jobID: row.optionalText(3), submittedAt: Date(timeIntervalSince1970: row.double(4)),
                                 state: row.text(5), reason: row.optionalText(6), endedAt: row.optionalDate(7),
                                 startedAt: row.optionalDate(8)))
        }
        return out
    }
}
