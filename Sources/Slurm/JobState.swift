/// Where a Slurm job stands, as lema tells the user. Built from squeue (live jobs), sacct or the job-completion log
/// (finished jobs), or by lema itself (`lost`).
public enum JobState: Sendable, Equatable {
    /// Queued; `reason` is Slurm's (Resources, Priority, Dependency, BeginTime, JobHeldUser, …).
    case pending(reason: String)
    /// Running on `node` (a node list for multi-node jobs).
    case running(node: String)
    /// Finished; Slurm is cleaning up on `node`.
    case completing(node: String)
    /// Suspended or stopped by an administrator or a preemption.
    case suspended
    /// Sent back to the queue (requeue, preemption with requeue); it will run again under the same id.
    case requeued(reason: String)
    /// Ended with exit code 0.
    case completed
    /// Ended with a non-zero exit code, or killed by a signal (nil: none, or unknown), or refused after submission.
    case failed(exitCode: Int?, signal: Int?, reason: String)
    /// Killed at its time limit.
    case timeout
    /// Killed for using more memory than it asked for.
    case outOfMemory
    /// Its node failed.
    case nodeFail(node: String)
    /// Preempted by a higher-priority job (and not requeued).
    case preempted
    /// Cancelled (`scancel`, an administrator, or a dependency that can never be met).
    case cancelled(by: String?)
    /// Gone from Slurm's queue with no final record and no exit marker: nobody can say how it ended.
    case lost

    /// The job may still do work (or run again): keep waiting for it, never submit its node again.
    public var isAlive: Bool {
        switch self {
        case .pending, .running, .completing, .suspended, .requeued: return true
        default: return false
        }
    }

    /// Slurm's upper-case name of the state (LOST is lema's).
    public var name: String {
        switch self {
        case .pending: return "PENDING"
        case .running: return "RUNNING"
        case .completing: return "COMPLETING"
        case .suspended: return "SUSPENDED"
        case .requeued: return "REQUEUED"
        case .completed: return "COMPLETED"
        case .failed: return "FAILED"
        case .timeout: return "TIMEOUT"
        case .outOfMemory: return "OUT_OF_MEMORY"
        case .nodeFail: return "NODE_FAIL"
        case .preempted: return "PREEMPTED"
        case .cancelled: return "CANCELLED"
        case .lost: return "LOST"
        }
    }

    /// One line for `lema status` and failure messages: the state, then what it means and what to do.
    public var message: String {
        switch self {
        case .pending(let reason):
            return "PENDING (\(reason))" + (Self.pendingReasons[reason].map { ": \($0)" } ?? "")
        case .running(let node): return "RUNNING on \(node)"
        case .completing(let node): return "COMPLETING on \(node)"
        case .suspended: return "SUSPENDED: the job is paused by Slurm and will continue when resumed"
        case .requeued(let reason):
            return "REQUEUED" + (reason.isEmpty || reason == "None" ? "" : " (\(reason))")
                + ": back in the queue; it will run again under the same job id"
        case .completed: return "COMPLETED"
        case .failed(let code, let signal, let reason):
            var text = "FAILED"
            if let code { text += " with exit code \(code)" }
            if let signal, signal != 0 { text += (code == nil ? " by" : ", killed by") + " signal \(signal)" }
            if !reason.isEmpty, reason != "None", reason != "NonZeroExitCode" { text += " (\(reason))" }
            return text + "; see the job's stderr in the node directory"
        case .timeout:
            return "TIMEOUT: the job ran past its time limit; raise 'time' under the stage's resources"
        case .outOfMemory:
            return "OUT_OF_MEMORY: the job used more memory than it asked for; raise 'mem' under the stage's resources"
        case .nodeFail(let node):
            return "NODE_FAIL: the node\(node.isEmpty ? "" : " \(node)") running the job failed; not the job's fault"
        case .preempted: return "PREEMPTED: a higher-priority job took the job's resources"
        case .cancelled(let by):
            return "CANCELLED" + (by.map { " by uid \($0)" } ?? "") + ": scancel, an administrator or Slurm stopped the job"
        case .lost:
            return "LOST: the job left Slurm's queue without an exit marker or a final record; it is run again, never counted as a success"
        }
    }

    /// Plain words for the pending reasons users meet most.
    static let pendingReasons: [String: String] = [
        "Resources": "waiting for free resources",
        "Priority": "queued behind higher-priority jobs",
        "Dependency": "waiting for another job",
        "BeginTime": "waiting for its start time",
        "JobHeldUser": "held by its user (scontrol release)",
        "JobHeldAdmin": "held by an administrator",
        "QOSMaxJobsPerUserLimit": "the QOS limits how many jobs run at once",
        "AssocGrpCPULimit": "the account's CPU limit is reached",
        "ReqNodeNotAvail": "a required node is unavailable",
        "PartitionDown": "the partition is down",
        "BadConstraints": "the request can never be satisfied",
    ]

    /// A state from Slurm's name for it (squeue's `%T`, sacct's `State`, the completion log's `JobState`), with the
    /// details that come with it. `exitCode` is Slurm's `code:signal` pair when known.
    public static func from(slurmState: String, reason: String = "", node: String = "",
                            exitCode: (code: Int, signal: Int)? = nil) -> JobState {
        // sacct writes "CANCELLED by 1234"; squeue may add a "+" to states of jobs being requeued.
        let words = slurmState.split(separator: " ")
        let state = (words.first.map(String.init) ?? "").trimmingSuffix("+")
        let reason = reason == "(null)" ? "" : reason
        let signal = exitCode.flatMap { $0.signal == 0 ? nil : $0.signal }
        switch state {
        case "PENDING", "PD", "CONFIGURING", "CF", "RESV_DEL_HOLD", "RD":
            return .pending(reason: reason.isEmpty ? "None" : reason)
        case "RUNNING", "R", "SIGNALING", "SI", "STAGE_OUT", "SO", "RESIZING", "RS":
            return .running(node: node)
        case "COMPLETING", "CG": return .completing(node: node)
        case "SUSPENDED", "S", "STOPPED", "ST": return .suspended
        case "REQUEUED", "RQ", "REQUEUE_HOLD", "RH", "REQUEUE_FED", "RF": return .requeued(reason: reason)
        case "COMPLETED", "CD":
            if let exitCode, exitCode.code != 0 || exitCode.signal != 0 {
                return .failed(exitCode: exitCode.code, signal: signal, reason: reason)
            }
            return .completed
        case "TIMEOUT", "TO", "DEADLINE", "DL": return .timeout
        case "OUT_OF_MEMORY", "OOM": return .outOfMemory
        case "NODE_FAIL", "NF": return .nodeFail(node: node)
        case "PREEMPTED", "PR": return .preempted
        case "CANCELLED", "CA":
            return .cancelled(by: words.count >= 3 && words[1] == "by" ? String(words[2]) : nil)
        case "BOOT_FAIL", "BF":
            return .failed(exitCode: nil, signal: nil, reason: "the node failed to boot")
        default:
            // FAILED, SPECIAL_EXIT, REVOKED and any state a newer Slurm adds: not alive, not a success.
            return .failed(exitCode: exitCode?.code, signal: signal,
                           reason: state == "FAILED" || state == "F" ? reason : [state, reason].filter { !$0.isEmpty }
                               .joined(separator: ": "))
        }
    }

    /// `code:signal` as Slurm prints exit codes (`3:0`, `0:15`).
    public static func exitCode(_ text: some StringProtocol) -> (code: Int, signal: Int)? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let code = Int(parts[0]), let signal = Int(parts[1]) else { return nil }
        return (code, signal)
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
