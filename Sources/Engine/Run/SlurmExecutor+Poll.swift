import Foundation
import Slurm

/// Following the jobs in flight: one squeue per poll for all of them, the jobs table kept current, journals
/// imported, endings booked.
extension SlurmExecutor {
    /// One squeue call per `pollInterval` for every job in flight, until none is left.
    func pollLoop(_ scheduler: Scheduler) {
        while true {
            Thread.sleep(forTimeInterval: settings.pollInterval)
            lock.lock()
            let current = Array(jobs.values)
            if current.isEmpty { polling = false }
            lock.unlock()
            if current.isEmpty { return }
            let outcomes: [String: JobOutcome]
            do { outcomes = try tracker.poll(current.map(\.job)) } catch {
                scheduler.reporter.log("slurm: poll failed (trying again in \(settings.pollInterval)s): \(error)")
                continue
            }
            var updates: [JobUpdate] = []
            for job in current {
                if let update = settle(job, outcome: outcomes[job.job.id], in: scheduler) { updates.append(update) }
            }
            do { try scheduler.recorder.store.updateJobs(updates) } catch {
                scheduler.reporter.log("slurm: could not record the jobs' states: \(error)")
            }
        }
    }

    /// Imports what the job's journal gained and, when the job has ended, books the attempt. Returns the row update
    /// of a job still alive whose state changed (written with the poll's others in one transaction).
    private func settle(_ job: InFlight, outcome: JobOutcome?, in scheduler: Scheduler) -> JobUpdate? {
        var job = job
        let store = scheduler.recorder.store
        let nodeID = scheduler.nodes[job.node].id
        var importError: (any Error)?
        // Only a journal that grew is read (each import commits to the store; most polls find most journals as
        // they were).
        let size = (try? FileManager.default.attributesOfItem(atPath: job.journal.path)[.size] as? Int) ?? nil
        if let size, size > job.offset {
            do {
                let (next, end) = try store.importJournal(job.journal, node: nodeID, from: job.offset)
                job.offset = next
                if let end { job.ending = end }
            } catch {
                importError = error
            }
        }
        if case .alive(let state)? = outcome {
            let update = aliveUpdate(&job, state: state, node: nodeID, in: scheduler)
            lock.lock()
            jobs[job.job.id] = job
            lock.unlock()
            return update
        }
        guard let outcome else { return nil }
        var result = Self.result(of: job, outcome: outcome, importError: importError, scheduler: scheduler)
        var final = Self.finalState(outcome)
        if case .failed = result, scheduler.interruptedBySignalNow() {
            result = .interrupted
            final.reason = "interrupted: lema was stopped (SIGINT/SIGTERM) and cancelled its job; run again to resume"
        }
        lock.lock()
        jobs[job.job.id] = nil
        lock.unlock()
        let ended = JobUpdate(node: nodeID, attempt: job.job.name.attempt, state: final.state, reason: final.reason,
                              endedAt: Date())
        do { try store.updateJobs([ended]) } catch {
            scheduler.reporter.log("slurm: could not record the end of job \(job.job.id): \(error)")
        }
        for n in scheduler.finishAttempt(job.node, attempt: job.attempt, result: result) { scheduler.launch(n) }
        return nil
    }

    /// Seconds a requeued job is left held before lema lets it start.
    static let requeueReleaseDelay: TimeInterval = 2

    /// The row update of a live job whose state or reason changed; lifts the hold Slurm puts on a requeued job
    /// (`BeginTime`, about two minutes) so that it continues at once.
    private func aliveUpdate(_ job: inout InFlight, state: JobState, node: String, in scheduler: Scheduler) -> JobUpdate? {
        let snapshot = tracker.lastQueue[job.job.id]
        var startedAt: Date?
        if case .running = state, !job.hasRun {
            job.hasRun = true
            startedAt = Date().addingTimeInterval(-Double(snapshot?.elapsedSeconds ?? 0))
        }
        if case .pending(let reason) = state, reason == "BeginTime", job.hasRun || job.recorded?.state == "REQUEUED" {
            // Not at once: slurmd refuses a job whose credential dates from the second its previous run was killed
            // in ("Job credential revoked"), which is what Slurm's own hold of about two minutes avoids.
            let seen = job.heldSince ?? Date()
            job.heldSince = seen
            if Date().timeIntervalSince(seen) >= Self.requeueReleaseDelay {
                job.heldSince = nil
                do { try client.startNow(job.job.id) } catch {
                    scheduler.reporter.log("slurm: could not release requeued job \(job.job.id): \(error)")
                }
            }
        }
        let record = JobStateRecord(state: state.name, reason: state.message)
        guard record != job.recorded || startedAt != nil else { return nil }
        if record.state != job.recorded?.state, job.recorded != nil || record.state != "PENDING" {
            scheduler.reporter.log("slurm: \(scheduler.nodes[job.node].stage) job \(job.job.id): \(record.reason)")
        }
        job.recorded = record
        return JobUpdate(node: node, attempt: job.job.name.attempt, state: record.state, reason: record.reason,
                         endedAt: nil, startedAt: startedAt)
    }

    /// How an ended job's attempt went: the journal's ending when the payload ended by itself, else Slurm's word.
    private static func result(of job: InFlight, outcome: JobOutcome, importError: (any Error)?,
                               scheduler: Scheduler) -> AttemptResult {
        switch outcome {
        case .alive:
            preconditionFailure("an alive job has no result")
        case .succeeded:
            if case .succeeded(let stageOutcome)? = job.ending { return scheduler.checked(stageOutcome, node: job.node) }
            let why = importError.map { "cannot import its journal \(job.journal.path): \($0)" }
                ?? "its journal \(job.journal.path) has no outcome"
            return .failed(message: "job \(job.job.id) exited 0 but \(why)", retryable: true)
        case .failed(let marker):
            if case .failed(let message, let retryable)? = job.ending {
                return .failed(message: message, retryable: retryable)
            }
            return .failed(message: "job \(job.job.id) exited with code \(marker.exitCode) (see "
                           + "job.\(job.job.name.attempt).err in the node directory)", retryable: true)
        case .ended(let state):
            return .failed(message: "job \(job.job.id): \(state.message)", retryable: true)
        case .lost:
            return .failed(message: "job \(job.job.id): \(JobState.lost.message)", retryable: true)
        }
    }

    /// The state and reason the jobs table keeps for an ended job.
    private static func finalState(_ outcome: JobOutcome) -> JobStateRecord {
        switch outcome {
        case .succeeded: return JobStateRecord(state: "COMPLETED", reason: JobState.completed.message)
        case .failed(let marker):
            return JobStateRecord(state: "FAILED", reason: "FAILED with exit code \(marker.exitCode)")
        case .ended(let state): return JobStateRecord(state: state.name, reason: state.message)
        case .lost, .alive: return JobStateRecord(state: "LOST", reason: JobState.lost.message)
        }
    }
}
