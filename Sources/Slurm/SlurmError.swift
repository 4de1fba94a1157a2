/// Everything that can go wrong between lema and Slurm. Each case's text says what happened and what to do.
public enum SlurmError: Error, Equatable, CustomStringConvertible {
    /// A Slurm command is not installed (or not on PATH).
    case commandMissing(tool: String)
    /// sbatch refused the job; `reason` is Slurm's own message ("Requested node configuration is not available").
    case submissionRefused(jobName: String, reason: String)
    /// A command ended with a failure status for another reason.
    case commandFailed(tool: String, arguments: [String], status: Int32, stderr: String)
    /// A command did not answer in time (and was killed). For sbatch the job may still have been submitted.
    case commandTimedOut(tool: String, arguments: [String], seconds: Double)
    /// A command's output did not have the expected shape.
    case unexpectedOutput(tool: String, detail: String)

    /// One line for the user: what failed, with Slurm's own message and, where there is one, the fix.
    public var description: String {
        switch self {
        case .commandMissing(let tool):
            return "'\(tool)' not found: the slurm executor needs Slurm's client commands (sbatch, squeue, scancel) "
                + "on PATH — run lema on a cluster login node, or use 'executor: local'"
        case .submissionRefused(let name, let reason):
            return "Slurm refused job '\(name)': \(reason)"
        case .commandFailed(let tool, let arguments, let status, let stderr):
            let detail = Self.firstLines(stderr)
            return "'\(([tool] + arguments).joined(separator: " "))' failed (status \(status))"
                + (detail.isEmpty ? "" : ": \(detail)")
        case .commandTimedOut(let tool, _, let seconds):
            return "'\(tool)' did not answer within \(Self.seconds(seconds)) (is slurmctld reachable? `scontrol ping`)"
        case .unexpectedOutput(let tool, let detail):
            return "unexpected output from '\(tool)': \(detail)"
        }
    }

    /// Slurm's messages without its `sbatch: error: ` prefixes, on one line.
    static func firstLines(_ stderr: String) -> String {
        stderr.split(whereSeparator: \.isNewline)
            .map { line -> String in
                var s = Substring(line)
                for prefix in ["sbatch: error: ", "squeue: error: ", "scancel: error: ", "sacct: error: ",
                               "Batch job submission failed: "] where s.hasPrefix(prefix) {
                    s = s.dropFirst(prefix.count)
                }
                return String(s)
            }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
    }

    private static func seconds(_ s: Double) -> String { s == s.rounded() ? "\(Int(s)) s" : "\(s) s" }
}
