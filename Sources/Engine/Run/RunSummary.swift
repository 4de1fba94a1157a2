import Foundation

/// The result of `Runner.run()`: what ran, what was skipped and why, what failed and what that blocked.
public struct RunSummary: Sendable {
    /// One node in one of the summary's lists.
    public struct Entry: Sendable, Hashable {
        /// The node's fingerprint.
        public var nodeID: String
        /// Name of the spec stage the node belongs to.
        public var stage: String
        /// Variants containing the node (empty for single-variant pipelines' "default").
        public var variants: [String]
        /// Why it was skipped / why it ran / the error / which failed node blocked it.
        public var reason: String

        /// An entry with these fields.
        public init(nodeID: String, stage: String, variants: [String], reason: String) {
            self.nodeID = nodeID
            self.stage = stage
            self.variants = variants
            self.reason = reason
        }

        /// `stage` or `stage [ratio=0.5]` for a node that is not shared by every variant.
        public var label: String {
            variants.isEmpty || variants == ["default"] ? stage : "\(stage) [\(variants.joined(separator: ", "))]"
        }
    }

    /// Name of the pipeline that ran.
    public var pipeline: String
    /// Ran and succeeded in this run.
    public var succeeded: [Entry] = []
    /// Not run: up to date or not selected by `--only`.
    public var skipped: [Entry] = []
    /// Failed for good, after any retries (`reason` is the last error message).
    public var failed: [Entry] = []
    /// Not run because an ancestor failed (`reason` names it).
    public var blocked: [Entry] = []
    /// Stopped or never started because of SIGINT/SIGTERM; back to pending.
    public var interruptedNodes: [Entry] = []
    /// Planned to run but never started (the run was interrupted or stopped after a failure without keep-going).
    public var notStarted: [Entry] = []
    /// Submitted as cluster jobs this run did not wait for (`lema run --detach`).
    public var detached: [Entry] = []
    /// Planned to run (filled by a dry run instead of `succeeded`).
    public var planned: [Entry] = []
    /// True when SIGINT/SIGTERM stopped the run; the exit code is then 130.
    public var interrupted = false
    /// True for `--dry-run`: nothing executed, `planned` lists what would run.
    public var dryRun = false
    /// Wall time of `Runner.run()` in seconds, from taking the run lock to the final flush.
    public var wallSeconds: Double = 0

    /// An empty summary of `pipeline`.
    public init(pipeline: String) { self.pipeline = pipeline }

    /// 0 = everything done, 1 = something failed or was blocked, 130 = interrupted.
    public var exitCode: Int32 {
        if interrupted { return 130 }
        return failed.isEmpty && blocked.isEmpty ? 0 : 1
    }

    /// The closing report printed by `lema run`.
    public var text: String {
        var lines: [String] = []
        let seconds = String(format: "%.2fs", wallSeconds)
        if dryRun {
            lines.append("\(pipeline): dry run — \(planned.count) node(s) would run, \(skipped.count) skipped")
            for entry in planned { lines.append("  run   \(entry.label): \(entry.reason)") }
            for entry in skipped { lines.append("  skip  \(entry.label): \(entry.reason)") }
            return lines.joined(separator: "\n")
        }
        var head = "\(pipeline): \(succeeded.count) ran, \(skipped.count) skipped"
        if !detached.isEmpty { head += ", \(detached.count) submitted (--detach)" }
        if !failed.isEmpty { head += ", \(failed.count) failed" }
        if !blocked.isEmpty { head += ", \(blocked.count) blocked" }
        if interrupted { head += ", interrupted (\(interruptedNodes.count) node(s) stopped)" }
        if !notStarted.isEmpty { head += ", \(notStarted.count) not started" }
        lines.append(head + " in \(seconds)")
        for entry in failed { lines.append("  FAILED  \(entry.label): \(entry.reason)") }
        for entry in blocked { lines.append("  blocked \(entry.label): \(entry.reason)") }
        if !interrupted, let first = notStarted.first {
            lines.append("  \(notStarted.count) node(s) not started (\(first.reason.replacingOccurrences(of: "not started: ", with: "")))")
        }
        for entry in detached { lines.append("  submitted \(entry.label): \(entry.reason)") }
        if interrupted {
            lines.append("  run `lema run` again to resume; finished items and checkpoints are kept")
        }
        return lines.joined(separator: "\n")
    }
}
