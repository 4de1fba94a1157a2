import Foundation

/// What a job asks Slurm for. Nil fields are left to the cluster's defaults.
public struct JobResources: Sendable, Hashable {
    /// Cores for the one task (`--cpus-per-task`).
    public var cpus: Int?
    /// Memory in MiB (`--mem`).
    public var memoryMiB: Int?
    /// GPUs (`--gpus`).
    public var gpus: Int?
    /// Time limit in seconds (`--time`).
    public var timeLimit: Double?
    /// Partition to run in (`--partition`).
    public var partition: String?
    /// Account charged for the job (`--account`).
    public var account: String?
    /// Quality of service (`--qos`).
    public var qos: String?
    /// Node features (`--constraint`).
    public var constraint: String?
    /// Passed to sbatch as written, after lema's own flags (so they can override them).
    public var extraArgs: [String]

    /// Every field defaults to nil (no flag: the cluster's default) and `extraArgs` to none.
    public init(cpus: Int? = nil, memoryMiB: Int? = nil, gpus: Int? = nil, timeLimit: Double? = nil,
                partition: String? = nil, account: String? = nil, qos: String? = nil, constraint: String? = nil,
                extraArgs: [String] = []) {
        self.cpus = cpus
        self.memoryMiB = memoryMiB
        self.gpus = gpus
        self.timeLimit = timeLimit
        self.partition = partition
        self.account = account
        self.qos = qos
        self.constraint = constraint
        self.extraArgs = extraArgs
    }

    /// sbatch flags for these resources.
    public var sbatchArguments: [String] {
        var args: [String] = []
        if let cpus { args.append("--cpus-per-task=\(cpus)") }
        if let memoryMiB { args.append("--mem=\(memoryMiB)M") }
        if let gpus { args.append("--gpus=\(gpus)") }
        if let timeLimit { args.append("--time=\(SlurmTime.format(seconds: timeLimit))") }
        if let partition { args.append("--partition=\(partition)") }
        if let account { args.append("--account=\(account)") }
        if let qos { args.append("--qos=\(qos)") }
        if let constraint { args.append("--constraint=\(constraint)") }
        return args + extraArgs
    }
}

/// A signal Slurm sends the batch script some seconds before the time limit (`--signal=B:SIG@N`); the script passes
/// it on to the payload, which checkpoints and exits so that the requeued job continues from the checkpoint.
public struct WarningSignal: Sendable, Hashable {
    /// Signal name without `SIG` (`USR1`).
    public var name: String
    /// Seconds before the limit (Slurm sends it up to a minute late; ask for enough).
    public var secondsBefore: Int

    /// `secondsBefore` the time limit, Slurm sends `SIG<name>` to the batch shell; SIGUSR1 by default.
    public init(name: String = "USR1", secondsBefore: Int) {
        self.name = name
        self.secondsBefore = secondsBefore
    }
}

/// One job to submit: its payload (an argv), the directory it owns, and how Slurm should treat it.
public struct JobRequest: Sendable {
    /// The job's name in Slurm; its attempt also names the job's files in `directory`.
    public var name: JobName
    /// The payload, run from `directory`.
    public var argv: [String]
    /// The node directory: the batch script, stdout/stderr and the exit marker go here. It must be on a filesystem
    /// the compute nodes see.
    public var directory: URL
    /// Cores, memory, GPUs, time limit and placement asked of Slurm.
    public var resources: JobResources
    /// Whether Slurm may requeue the job (node failure, preemption, warning signal): checkpointing stages only.
    public var requeue: Bool
    /// Signal sent before the time limit so the payload can checkpoint; nil sends none.
    public var warning: WarningSignal?
    /// The job's environment (sbatch exports its own environment to the job): see `JobEnvironment`.
    public var environment: [String: String]

    /// Defaults: the cluster's resources, no requeue, no warning signal.
    public init(name: JobName, argv: [String], directory: URL, resources: JobResources = JobResources(),
                requeue: Bool = false, warning: WarningSignal? = nil, environment: [String: String]) {
        self.name = name
        self.argv = argv
        self.directory = directory
        self.resources = resources
        self.requeue = requeue
        self.warning = warning
        self.environment = environment
    }

    /// The payload's exit status when it stopped on request (SIGTERM, or the warning before the time limit) after
    /// saving its progress: EX_TEMPFAIL, "try again".
    public static let stoppedOnRequest: Int32 = 75

    /// Files in `directory`, per attempt: a requeued job appends to its attempt's output.
    public var scriptURL: URL { directory.appendingPathComponent("job.\(name.attempt).sh") }
    /// The payload's standard output (`--output`), appended to across requeues.
    public var stdoutURL: URL { directory.appendingPathComponent("job.\(name.attempt).out") }
    /// The payload's standard error (`--error`), appended to across requeues.
    public var stderrURL: URL { directory.appendingPathComponent("job.\(name.attempt).err") }
    /// The attempt's exit marker (per attempt: a marker of an earlier attempt must never answer for this one).
    public var markerURL: URL { directory.appendingPathComponent("job.\(name.attempt).exit.json") }

    /// sbatch's arguments, script path last.
    public var sbatchArguments: [String] {
        var args = ["--parsable", "--job-name=\(name)", "--chdir=\(directory.path)",
                    "--output=\(stdoutURL.path)", "--error=\(stderrURL.path)", "--open-mode=append",
                    requeue ? "--requeue" : "--no-requeue"]
        if let warning { args.append("--signal=B:\(warning.name)@\(warning.secondsBefore)") }
        return args + resources.sbatchArguments + [scriptURL.path]
    }

    /// The batch script: runs the payload, passes the warning signal on, and writes the exit marker when the payload
    /// ends by itself (a job Slurm kills writes none).
    public var batchScript: String {
        let command = argv.map(ShellQuote.quote).joined(separator: " ")
        var lines = ["#!/bin/sh", "# \(name): written by lema; runs the node's payload and records its exit code.",
                     "cd \(ShellQuote.quote(directory.path)) || exit 1",
                     // A requeued job runs this script again: the marker of its previous run is not its outcome.
                     "rm -f \(ShellQuote.quote(markerURL.path))",
                     // Slurm ending the job (time limit, scancel, requeue) signals this shell too: no marker then,
                     // whatever the payload's status says.
                     "trap 'exit 143' TERM"]
        if let warning {
            // `wait` returns early when the trap runs; wait again until the payload has really ended.
            lines += ["warned=0 signalled=0",
                      "trap 'warned=1; signalled=1; kill -\(warning.name) $child 2>/dev/null' \(warning.name)",
                      "\(command) &", "child=$!",
                      "wait $child; code=$?",
                      "while [ $warned = 1 ]; do warned=0; wait $child; code=$?; done"]
            if requeue {
                // Warned before the time limit, the payload saved its progress and stopped (`stoppedOnRequest`):
                // back to the queue under the same job id, to continue from there, with no exit marker (this run
                // is not the job's outcome). If the requeue fails, the marker tells the controller, which retries.
                lines += ["if [ $signalled = 1 ] && [ $code = \(Self.stoppedOnRequest) ]; then",
                          "  scontrol requeue \"$SLURM_JOB_ID\" && exit 0",
                          "fi"]
            }
        } else {
            lines += [command, "code=$?"]
        }
        lines += [ExitMarker.shellWriter(path: markerURL.path), "exit $code"]
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The environment a job gets: the controller's, minus Slurm's per-allocation variables (`SLURM_JOB_ID`, … —
/// lema may itself run inside an allocation, and those would describe the wrong job), plus the stage's own.
public enum JobEnvironment {
    /// Variables kept although they start with `SLURM_`: configuration, not allocation state.
    static let kept: Set<String> = ["SLURM_CONF"]

    /// `environment` without `SLURM_*` variables (except `SLURM_CONF`), then `extra` added; `extra` wins on clashes.
    public static func forJob(from environment: [String: String], adding extra: [String: String] = [:]) -> [String: String] {
        var out = environment.filter { !$0.key.hasPrefix("SLURM_") || kept.contains($0.key) }
        for (k, v) in extra { out[k] = v }
        return out
    }
}
