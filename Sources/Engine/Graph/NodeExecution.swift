import Slurm

/// Where nodes run.
public enum ExecutorKind: String, Sendable, Hashable, CaseIterable {
    /// On this machine, on the Dispatch worker pool (`--jobs` tokens).
    case local
    /// As Slurm jobs.
    case slurm
}

/// The run-wide `executor:` settings (top level of the spec). Stages may override the executor and the Slurm
/// placement (partition, account, qos, extra args); the limits here apply to the whole run.
public struct ExecutorSettings: Sendable, Hashable {
    public var kind: ExecutorKind
    public var partition: String?
    public var account: String?
    public var qos: String?
    /// Jobs in flight at once (submitted and not finished).
    public var maxJobs: Int
    /// Seconds between two squeue polls.
    public var pollInterval: Double
    /// sbatch options added to every job.
    public var extraArgs: [String]

    public static let defaultMaxJobs = 100
    public static let defaultPollInterval = 5.0

    public init(kind: ExecutorKind = .local, partition: String? = nil, account: String? = nil, qos: String? = nil,
                maxJobs: Int = ExecutorSettings.defaultMaxJobs, pollInterval: Double = ExecutorSettings.defaultPollInterval,
                extraArgs: [String] = []) {
        self.kind = kind
        self.partition = partition
        self.account = account
        self.qos = qos
        self.maxJobs = maxJobs
        self.pollInterval = pollInterval
        self.extraArgs = extraArgs
    }
}

/// Where one node runs and what it asks for: operational data. It never enters the fingerprint — moving a stage to
/// a GPU partition or giving it more memory changes where it runs, not what it computes.
public struct NodeExecution: Sendable, Hashable {
    public var executor: ExecutorKind
    /// The job's resources (used by the slurm executor): the stage's `resources:` over its `executor:` placement
    /// over the top-level `executor:`; `cpus` defaults to the stage's `threads`.
    public var resources: JobResources

    public init(executor: ExecutorKind = .local, resources: JobResources = JobResources()) {
        self.executor = executor
        self.resources = resources
    }
}
