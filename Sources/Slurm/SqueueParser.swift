/// What Slurm reports about one job.
public struct JobSnapshot: Sendable, Equatable {
    /// Slurm's job id (`%i`, `JobIDRaw` in sacct), e.g. `4711`.
    public var id: String
    /// The job name as Slurm reports it: `JobName(parsing:)` reads a lema job's name back.
    public var name: String
    /// Slurm's state mapped to lema's, with reason and node where the listing gave them.
    public var state: JobState
    /// Run time so far (or in total, for a finished job), when Slurm reported one.
    public var elapsedSeconds: Int?

    /// `elapsedSeconds` is nil when Slurm gave no run time.
    public init(id: String, name: String, state: JobState, elapsedSeconds: Int? = nil) {
        self.id = id
        self.name = name
        self.state = state
        self.elapsedSeconds = elapsedSeconds
    }
}

/// squeue's machine-readable listing: one line per job, fields split by `|`, the job name last so that a name
/// containing the delimiter still parses.
public enum SqueueParser {
    /// `--format` for squeue: id, state, reason, node list, elapsed, name.
    public static let format = "%i|%T|%r|%N|%M|%j"

    /// The six `|`-separated fields of each non-blank line; the last field takes the rest of the line (a job name
    /// may contain `|`). A line with fewer fields is an error: the format asked for was not honoured.
    static func rows(_ text: String, tool: String) throws -> [[String]] {
        try text.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }.map { line in
            let fields = line.split(separator: "|", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 6, !fields[0].isEmpty else {
                throw SlurmError.unexpectedOutput(tool: tool, detail: "expected 6 '|'-separated fields in '\(line)'")
            }
            return fields
        }
    }

    /// Jobs in the listing. A line with too few fields is an error (the format above was not honoured).
    public static func parse(_ text: String) throws -> [JobSnapshot] {
        try rows(text, tool: "squeue").map { fields in
            let state = JobState.from(slurmState: fields[1], reason: fields[2], node: fields[3])
            return JobSnapshot(id: fields[0], name: fields[5], state: state, elapsedSeconds: SlurmTime.seconds(fields[4]))
        }
    }
}

/// sacct's parsable listing (`--parsable2 --delimiter='|'`), allocations only (`-X`), job name last.
public enum SacctParser {
    /// `--format` for sacct.
    public static let fields = "JobIDRaw,State,ExitCode,NodeList,Elapsed,JobName"

    /// Jobs in sacct's listing made with `fields`; "None assigned" nodes become empty. A line with fewer than six
    /// fields throws `SlurmError.unexpectedOutput`.
    public static func parse(_ text: String) throws -> [JobSnapshot] {
        try SqueueParser.rows(text, tool: "sacct").map { fields in
            let node = fields[3] == "None assigned" ? "" : fields[3]
            let state = JobState.from(slurmState: fields[1], node: node, exitCode: JobState.exitCode(fields[2]))
            return JobSnapshot(id: fields[0], name: fields[5], state: state, elapsedSeconds: SlurmTime.seconds(fields[4]))
        }
    }
}
