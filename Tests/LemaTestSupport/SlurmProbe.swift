import Foundation
import Slurm

/// Whether a Slurm cluster answers here (see scripts/slurm-cluster.sh, which `make test` runs first as root): the one
/// probe of every suite that needs the real cluster.
public enum SlurmProbe {
    /// Why the cluster tests cannot run here, or nil when a controller answers.
    public static let skipReason: String? = {
        let runner = ProcessCommandRunner()
        guard runner.locate("sbatch") != nil else {
            return "Slurm is not installed: run `sudo scripts/slurm-cluster.sh start` (installs slurm-wlm and munge)"
        }
        guard SlurmClient(runner: runner, timeout: 15).controllerAnswers() else {
            return "no Slurm controller answers: start the test cluster with `sudo scripts/slurm-cluster.sh start`"
        }
        return nil
    }()

    /// True when the cluster answers; otherwise prints, once per suite, why `suite` is skipped.
    public static func clusterAnswers(for suite: String) -> Bool {
        if let reason = skipReason { print("\(suite) skipped: \(reason)") }
        return skipReason == nil
    }
}

/// What Slurm itself knows about lema's jobs, for tests that must not take lema's word for it: squeue for the jobs
/// it still lists, the job-completion log for the ones that ended.
public enum SlurmRecords {
    static let client = SlurmClient(timeout: 15)

    /// Jobs squeue lists now whose name starts with `prefix` (every state), by id.
    public static func queue(prefix: String) throws -> [String: JobSnapshot] {
        let out = try client.runner.run("squeue", ["--noheader", "--states=all", "--format=\(SqueueParser.format)"],
                                        environment: nil, input: nil, timeout: 15)
        return Dictionary(try SqueueParser.parse(out.stdout).filter { $0.name.hasPrefix(prefix) }.map { ($0.id, $0) },
                          uniquingKeysWith: { _, b in b })
    }

    /// Every job id Slurm ever gave a job named `prefix…`, by job name: from squeue and the completion log. A node
    /// submitted twice shows as a name with two ids.
    public static func submissions(prefix: String) throws -> [String: Set<String>] {
        var out: [String: Set<String>] = [:]
        for job in try queue(prefix: prefix).values { out[job.name, default: []].insert(job.id) }
        if let path = try client.configuration().jobCompletionLog,
           let text = try? String(contentsOfFile: path, encoding: .utf8) {
            for job in JobCompLog.parse(text).values where job.name.hasPrefix(prefix) {
                out[job.name, default: []].insert(job.id)
            }
        }
        return out
    }

    /// Waits (polling squeue every 100 ms, at most `timeout` s) until `condition` holds for the jobs named `prefix…`.
    public static func waitFor(prefix: String, timeout: Double = 60,
                               _ condition: ([JobSnapshot]) -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(Array(try queue(prefix: prefix).values)) { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    /// Runs a Slurm command (scancel, scontrol) as a test's outside hand.
    @discardableResult
    public static func command(_ tool: String, _ arguments: [String]) throws -> CommandOutput {
        try client.runner.run(tool, arguments, environment: nil, input: nil, timeout: 15)
    }
}
