import Foundation

/// A submitted job the controller follows.
public struct TrackedJob: Sendable, Hashable {
    /// Slurm's job id, as sbatch returned it.
    public var id: String
    /// The job's name, which tells its node and attempt.
    public var name: JobName
    /// The attempt's exit marker (`JobRequest.markerURL`).
    public var marker: URL

    /// Follows the job with this id; `marker` is where its batch script writes the exit marker.
    public init(id: String, name: JobName, marker: URL) {
        self.id = id
        self.name = name
        self.marker = marker
    }
}

/// What one poll learned about a job. The exit marker decides success; Slurm only says whether a job is alive and,
/// when it was killed, why.
public enum JobOutcome: Sendable, Equatable {
    /// Queued, running or requeued: keep waiting (never submit its node again).
    case alive(JobState)
    /// The payload ended by itself with exit code 0.
    case succeeded(ExitMarker)
    /// The payload ended by itself with another exit code.
    case failed(ExitMarker)
    /// Slurm ended the job before its payload finished (TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, PREEMPTED, CANCELLED, or
    /// FAILED before the payload could start). A COMPLETED state without a marker lands here too: on a network
    /// filesystem the marker may show up a poll later, so the caller may look again before deciding.
    case ended(JobState)
    /// Gone from squeue with no marker and no final record: retried, never counted as success.
    case lost
}

/// Follows many jobs with one squeue call per poll (plus, only for jobs that left the queue without a marker, one
/// look at sacct or the completion log).
public struct JobTracker: Sendable {
    /// The client the polls go through.
    public var client: SlurmClient
    /// Where final records are kept; read from `scontrol show config` on first need when nil.
    public var configuration: SlurmConfiguration?
    /// What the last poll's squeue said about each job it listed (state, reason, node, elapsed time).
    public private(set) var lastQueue: [String: JobSnapshot] = [:]

    /// With `configuration` nil, `scontrol show config` is read at the first poll that needs final records.
    public init(client: SlurmClient, configuration: SlurmConfiguration? = nil) {
        self.client = client
        self.configuration = configuration
    }

    /// A marker's outcome. A payload killed by a signal (status above 128) may have been killed by Slurm ending the
    /// job (the time limit, scancel) with the script living long enough to write the marker: Slurm's word decides
    /// then — wait while it still calls the job alive, take its ending when it has one.
    static func outcome(_ marker: ExitMarker, slurm: JobState?) -> JobOutcome {
        if marker.exitCode == 0 { return .succeeded(marker) }
        guard marker.exitCode > 128, let slurm else { return .failed(marker) }
        switch slurm {
        case .pending, .running, .completing, .suspended, .requeued: return .alive(slurm)
        case .timeout, .outOfMemory, .nodeFail, .preempted, .cancelled: return .ended(slurm)
        case .completed, .failed, .lost: return .failed(marker)
        }
    }

    /// The outcome of every job, by job id.
    public mutating func poll(_ jobs: [TrackedJob]) throws -> [String: JobOutcome] {
        guard !jobs.isEmpty else { return [:] }
        let queue = try client.snapshots(of: jobs.map(\.id))
        lastQueue = queue
        var outcomes: [String: JobOutcome] = [:]
        var vanished: [TrackedJob] = []
        for job in jobs {
            if let marker = ExitMarker.read(at: job.marker) {
                outcomes[job.id] = Self.outcome(marker, slurm: queue[job.id]?.state)
            } else if let snapshot = queue[job.id] {
                outcomes[job.id] = snapshot.state.isAlive ? .alive(snapshot.state) : .ended(snapshot.state)
            } else {
                vanished.append(job)
            }
        }
        guard !vanished.isEmpty else { return outcomes }
        if configuration == nil { configuration = try client.configuration() }
        let records = try client.finalRecords(of: vanished.map(\.id), configuration: configuration ?? SlurmConfiguration(parsing: ""))
        for job in vanished {
            // A record from the completion log may still call a requeued job alive on its last line (it was
            // requeued after it): only a finished state counts.
            if let state = records[job.id]?.state, !state.isAlive {
                outcomes[job.id] = .ended(state)
            } else {
                outcomes[job.id] = .lost
            }
        }
        return outcomes
    }
}
