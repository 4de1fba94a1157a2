import Testing
@testable import Slurm

@Suite("Job states")
struct JobStateTests {
    @Test("Slurm's state names map to states that carry their data", arguments: [
        ("PENDING", "Resources", "", nil, JobState.pending(reason: "Resources")),
        ("PENDING", "", "", nil, .pending(reason: "None")),
        ("RUNNING", "None", "vm", nil, .running(node: "vm")),
        ("COMPLETING", "None", "vm", nil, .completing(node: "vm")),
        ("COMPLETED", "None", "vm", (0, 0), .completed),
        ("COMPLETED", "None", "vm", (0, 9), .failed(exitCode: 0, signal: 9, reason: "None")),
        ("FAILED", "NonZeroExitCode", "vm", (3, 0), .failed(exitCode: 3, signal: nil, reason: "NonZeroExitCode")),
        ("TIMEOUT", "TimeLimit", "vm", nil, .timeout),
        ("OUT_OF_MEMORY", "OutOfMemory", "vm", nil, .outOfMemory),
        ("NODE_FAIL", "None", "vm", nil, .nodeFail(node: "vm")),
        ("PREEMPTED", "None", "vm", nil, .preempted),
        ("CANCELLED", "None", "", nil, .cancelled(by: nil)),
        ("CANCELLED by 1000", "", "", nil, .cancelled(by: "1000")),
        ("REQUEUE_HOLD", "JobHeldAdmin", "", nil, .requeued(reason: "JobHeldAdmin")),
        ("SUSPENDED", "", "vm", nil, .suspended),
        ("BOOT_FAIL", "", "vm", nil, .failed(exitCode: nil, signal: nil, reason: "the node failed to boot")),
        ("SPECIAL_EXIT", "", "", nil, .failed(exitCode: nil, signal: nil, reason: "SPECIAL_EXIT")),
    ] as [(String, String, String, (Int, Int)?, JobState)])
    func mapping(state: String, reason: String, node: String, exit: (Int, Int)?, expected: JobState) {
        #expect(JobState.from(slurmState: state, reason: reason, node: node,
                              exitCode: exit.map { (code: $0.0, signal: $0.1) }) == expected)
    }

    @Test("Only queued, running or requeued jobs are alive")
    func alive() {
        #expect(JobState.pending(reason: "Priority").isAlive)
        #expect(JobState.requeued(reason: "").isAlive)
        #expect(JobState.running(node: "vm").isAlive)
        for dead in [JobState.completed, .timeout, .outOfMemory, .nodeFail(node: ""), .preempted, .cancelled(by: nil),
                     .lost, .failed(exitCode: 1, signal: nil, reason: "")] {
            #expect(!dead.isAlive, "\(dead)")
        }
    }

    @Test("Messages say what happened and what to change", arguments: [
        (JobState.pending(reason: "Resources"), "PENDING (Resources): waiting for free resources"),
        (.pending(reason: "AssocMaxJobsLimit"), "PENDING (AssocMaxJobsLimit)"),
        (.running(node: "gpu07"), "RUNNING on gpu07"),
        (.timeout, "TIMEOUT: the job ran past its time limit; raise 'time' under the stage's resources"),
        (.outOfMemory, "OUT_OF_MEMORY: the job used more memory than it asked for; raise 'mem' under the stage's resources"),
        (.nodeFail(node: "vm"), "NODE_FAIL: the node vm running the job failed; not the job's fault"),
        (.cancelled(by: "0"), "CANCELLED by uid 0: scancel, an administrator or Slurm stopped the job"),
        (.failed(exitCode: 3, signal: nil, reason: "NonZeroExitCode"), "FAILED with exit code 3; see the job's stderr in the node directory"),
        (.failed(exitCode: nil, signal: 9, reason: ""), "FAILED by signal 9; see the job's stderr in the node directory"),
    ])
    func messages(state: JobState, text: String) {
        #expect(state.message == text)
    }

    @Test("LOST says it is never counted as a success")
    func lost() {
        #expect(JobState.lost.name == "LOST")
        #expect(JobState.lost.message.contains("never counted as a success"))
    }

    @Test("Exit codes are code:signal")
    func exitCodes() {
        #expect(JobState.exitCode("7:0")! == (7, 0))
        #expect(JobState.exitCode("0:15")! == (0, 15))
        #expect(JobState.exitCode("7") == nil)
        #expect(JobState.exitCode("a:b") == nil)
    }

    @Test("a marker decides, except a signal-killed payload's while Slurm says it ended the job (or has not yet)",
          arguments: [
        (0, JobState?.some(.timeout), JobOutcome.succeeded(ExitMarker(exitCode: 0, finishedAt: 1))),
        (3, .some(.completed), .failed(ExitMarker(exitCode: 3, finishedAt: 1))),
        (143, .some(.timeout), .ended(.timeout)),
        (143, .some(.cancelled(by: "0")), .ended(.cancelled(by: "0"))),
        (143, .some(.completing(node: "vm")), .alive(.completing(node: "vm"))),
        (143, .some(.failed(exitCode: 143, signal: nil, reason: "")), .failed(ExitMarker(exitCode: 143, finishedAt: 1))),
        (143, nil, .failed(ExitMarker(exitCode: 143, finishedAt: 1))),
    ])
    func markerOutcome(code: Int, slurm: JobState?, expected: JobOutcome) {
        #expect(JobTracker.outcome(ExitMarker(exitCode: code, finishedAt: 1), slurm: slurm) == expected)
    }
}
