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
    /// The executor of stages that name none (default `.local`).
    public var kind: ExecutorKind
    /// Slurm partition for jobs whose stage sets none (sbatch `--partition`).
    public var partition: String?
    /// Slurm account for jobs whose stage sets none (sbatch `--account`).
    public var account: String?
    /// Slurm quality of service for jobs whose stage sets none (sbatch `--qos`).
    public var qos: String?
    /// Jobs in flight at once (submitted and not finished).
    public var maxJobs: Int
    /// Seconds between two squeue polls.
    public var pollInterval: Double
    /// sbatch options added to every job.
    public var extraArgs: [String]

    /// `max_jobs` when the spec leaves it out.
    public static let defaultMaxJobs = 100
    /// `poll_interval` in seconds when the spec leaves it out.
    public static let defaultPollInterval = 5.0

    /// Settings with the spec's defaults: local executor, no Slurm placement, no extra sbatch options.
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
    /// The executor this node runs on: the stage's `executor:`, else the top-level one, else `.local`.
    public var executor: ExecutorKind
    /// The job's resources (used by the slurm executor): the stage's `resources:` over its `executor:` placement
    /// over the top-level `executor:`; `cpus` defaults to the stage's `threads`.
    public var resources: JobResources

    /// An execution with these parts (default: local, no resource requests).
    public init(executor: ExecutorKind = .local, resources: JobResources = JobResources()) {
        self.executor = executor
        self.resources = resources
    }
}
