/// What Slurm reports about one job.
public struct JobSnapshot: Sendable, Equatable {
    public var id: String
    public var name: String
    public var state: JobState
    /// Run time so far (or in total, for a finished job), when Slurm reported one.
    public var elapsedSeconds: Int?

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

    /// Jobs in the listing. A line with too few fields is an error (the format above was not honoured).
    public static func parse(_ text: String) throws -> [JobSnapshot] {
        var jobs: [JobSnapshot] = []
        for line in text.split(whereSeparator: \.isNewline) where !line.allSatisfy(\.isWhitespace) {
            let fields = line.split(separator: "|", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 6, !fields[0].isEmpty else {
                throw SlurmError.unexpectedOutput(tool: "squeue", detail: "expected 6 '|'-separated fields in '\(line)'")
            }
            let state = JobState.from(slurmState: fields[1], reason: fields[2], node: fields[3])
            jobs.append(JobSnapshot(id: fields[0], name: fields[5], state: state,
                                    elapsedSeconds: SlurmTime.seconds(fields[4])))
        }
        return jobs
    }
}

/// sacct's parsable listing (`--parsable2 --delimiter='|'`), allocations only (`-X`), job name last.
public enum SacctParser {
    /// `--format` for sacct.
    public static let fields = "JobIDRaw,State,ExitCode,NodeList,Elapsed,JobName"

    public static func parse(_ text: String) throws -> [JobSnapshot] {
        var jobs: [JobSnapshot] = []
        for line in text.split(whereSeparator: \.isNewline) where !line.allSatisfy(\.isWhitespace) {
            let fields = line.split(separator: "|", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 6, !fields[0].isEmpty else {
                throw SlurmError.unexpectedOutput(tool: "sacct", detail: "expected 6 '|'-separated fields in '\(line)'")
            }
            let node = fields[3] == "None assigned" ? "" : fields[3]
            let state = JobState.from(slurmState: fields[1], node: node, exitCode: JobState.exitCode(fields[2]))
            jobs.append(JobSnapshot(id: fields[0], name: fields[5], state: state,
                                    elapsedSeconds: SlurmTime.seconds(fields[4])))
        }
        return jobs
    }
}
