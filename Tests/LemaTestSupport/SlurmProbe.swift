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
