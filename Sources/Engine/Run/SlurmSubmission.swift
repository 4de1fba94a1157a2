import Foundation
import Slurm

/// Submits one attempt of a node at most once, whatever happened before: the intent is committed before sbatch
/// runs and the job id the moment it answers; an attempt whose intent has no job id (sbatch timed out, or the
/// controller died in between) is looked up by its job name — in squeue, then in the final records — before sbatch
/// is tried again.
enum SlurmSubmission {
    /// How the attempt's job was obtained.
    enum Source: Equatable {
        /// sbatch ran now.
        case submitted
        /// The store already had the job id.
        case recorded
        /// Found by name after an earlier submission's answer was lost.
        case foundByName
    }

    /// The `jobs.state` of an attempt sbatch refused.
    static let refused = "REFUSED"

    /// The job id of `request`'s attempt of `node`.
    static func submitOnce(_ request: JobRequest, node: String, store: Store, client: SlurmClient,
                           configuration: () throws -> SlurmConfiguration) throws -> (jobID: String, source: Source) {
        let attempt = request.name.attempt
        if let row = try store.jobs(ofNode: node).first(where: { $0.attempt == attempt }) {
            if let id = row.jobID { return (id, .recorded) }
            // A refused submission ran nothing (Slurm may list it, FAILED with BadConstraints: not a job to follow).
            if row.state != refused, let id = try lookUp(request.name, client: client, configuration: configuration) {
                try store.recordJobID(node: node, attempt: attempt, jobID: id)
                return (id, .foundByName)
            }
        } else {
            try store.recordJobIntent(node: node, attempt: attempt, jobName: request.name.description)
        }
        do {
            let id = try client.submit(request)
            try store.recordJobID(node: node, attempt: attempt, jobID: id)
            return (id, .submitted)
        } catch SlurmError.submissionRefused(let name, let reason) {
            try store.updateJobs([JobUpdate(node: node, attempt: attempt, state: refused, reason: reason, endedAt: Date())])
            throw SlurmError.submissionRefused(jobName: name, reason: reason)
        } catch SlurmError.commandTimedOut(let tool, let arguments, let seconds) {
            // The job may exist all the same.
            if let id = try lookUp(request.name, client: client, configuration: configuration) {
                try store.recordJobID(node: node, attempt: attempt, jobID: id)
                return (id, .foundByName)
            }
            throw SlurmError.commandTimedOut(tool: tool, arguments: arguments, seconds: seconds)
        }
    }

    /// The newest job with this name that Slurm still lists, else the newest finished one it has a record of.
    private static func lookUp(_ name: JobName, client: SlurmClient,
                               configuration: () throws -> SlurmConfiguration) throws -> String? {
        if let live = try client.jobs(named: name).last { return live.id }
        return try client.finishedJobs(named: name, configuration: configuration()).last?.id
    }
}
