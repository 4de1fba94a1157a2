import Foundation
import LemaCore
import Slurm
import StageAPI

/// Runs nodes as Slurm jobs: `start` writes the node's `job.json` and submits `lema node-exec <node dir>` at most
/// once (`SlurmSubmission.submitOnce`); one poller thread asks Slurm about every job in flight with one squeue call
/// per `pollInterval` (`JobTracker`), imports each job's journal into the store while it runs and when it ends (the
/// controller stays the only writer of `state.sqlite`), and books the attempt through `Scheduler.finishAttempt`.
/// At most `max_jobs` nodes are in flight; they hold no local tokens.
final class SlurmExecutor: NodeExecutor, @unchecked Sendable {
    // @unchecked Sendable: `reserved` is only touched under the scheduler's lock, `jobs`/`polling` under `lock`,
    // `tracker` only on the poller thread.
    private struct InFlight {
        let node: Int
        /// This run's attempt of the node (what `retries` counts).
        let attempt: Int
        let job: TrackedJob
        let journal: URL
        var offset = 0
        /// The journal's ending once imported (it may arrive a poll before the job leaves the queue).
        var ending: JournalEnding?
    }

    let settings: ExecutorSettings
    let client: SlurmClient
    /// The `lema` binary jobs run (the controller's own path unless configured).
    let executable: String
    private var reserved = 0
    private let lock = NSLock()
    private var jobs: [String: InFlight] = [:]
    private var polling = false
    private var tracker: JobTracker

    init(settings: ExecutorSettings, client: SlurmClient = SlurmClient(), executable: String) {
        self.settings = settings
        self.client = client
        self.executable = executable
        tracker = JobTracker(client: client)
    }

    func reserve(_ i: Int, in scheduler: Scheduler) -> Bool {
        guard reserved < settings.maxJobs else { return false }
        reserved += 1
        return true
    }

    func release(_ i: Int, in scheduler: Scheduler) { reserved -= 1 }

    /// Cancels every job in flight (`scancel`); the poller then books them interrupted.
    func interrupt(in scheduler: Scheduler) {
        lock.lock()
        let ids = Array(jobs.keys)
        lock.unlock()
        guard !ids.isEmpty else { return }
        do { try client.cancel(ids) } catch {
            scheduler.reporter.log("slurm: could not cancel jobs \(ids.joined(separator: ", ")): \(error)")
        }
    }

    func start(_ i: Int, in scheduler: Scheduler) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let (context, attempt) = scheduler.beginAttempt(i)
            do {
                let job = try submit(i, attempt: attempt, context: context, in: scheduler)
                lock.lock()
                jobs[job.job.id] = job
                let startPoller = !polling
                polling = true
                lock.unlock()
                if startPoller { Thread { [self] in pollLoop(scheduler) }.start() }
            } catch {
                let message = "could not submit stage '\(scheduler.nodes[i].stage)' to Slurm: \(error)"
                let result = AttemptResult.failed(message: message, retryable: false)
                for n in scheduler.finishAttempt(i, attempt: attempt, result: result) { scheduler.launch(n) }
            }
        }
    }

    /// Writes `job.json` for the node's job attempt and submits it. Job attempts are numbered across runs (the jobs
    /// table keeps every one); when the node's latest job has not ended (a controller that died while it ran), that
    /// attempt is taken again, so `submitOnce` answers with its recorded job id and the job is followed, not
    /// submitted twice.
    private func submit(_ i: Int, attempt: Int, context: NodeContext, in scheduler: Scheduler) throws -> InFlight {
        let node = scheduler.nodes[i]
        let store = scheduler.recorder.store
        let directory = scheduler.nodeDirectory(i)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let latest = try store.jobs(ofNode: node.id).max { $0.attempt < $1.attempt }
        let unfinished = latest.map { $0.endedAt == nil && $0.state != SlurmSubmission.refused } ?? false
        let jobAttempt = latest.map { unfinished ? $0.attempt : $0.attempt + 1 } ?? 1
        var inputs: [String: [JobInput]] = [:]
        for parameter in node.inputs.keys { inputs[parameter] = context.inputs(parameter).map(JobInput.init) }
        let prior = (0..<jobAttempt).map { directory.appendingPathComponent("journal.\($0).jsonl").path }
            .filter { FileManager.default.fileExists(atPath: $0) }
        let spec = JobSpec(stageName: node.stage, fingerprint: node.id, kind: node.kind, kindVersion: node.kindVersion,
                           params: node.params, seed: context.seed, threads: context.threads,
                           specDirectory: context.specDirectory.path, nodeDirectory: directory.path, inputs: inputs,
                           attempt: jobAttempt, priorJournals: prior)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try AtomicFile.write(try encoder.encode(spec), to: directory.appendingPathComponent("job.json"))
        let request = JobRequest(name: JobName(run: scheduler.graph.pipelineName, node: node.id, attempt: jobAttempt),
                                 argv: [executable, "node-exec", directory.path], directory: directory,
                                 resources: node.execution.resources,
                                 environment: JobEnvironment.forJob(from: ProcessInfo.processInfo.environment))
        let (id, _) = try SlurmSubmission.submitOnce(request, node: node.id, store: store, client: client,
                                                     configuration: { try self.client.configuration() })
        return InFlight(node: i, attempt: attempt,
                        job: TrackedJob(id: id, name: request.name, marker: request.markerURL),
                        journal: spec.journalURL)
    }

    /// One squeue call per `pollInterval` for every job in flight, until none is left.
    private func pollLoop(_ scheduler: Scheduler) {
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
            for job in current { settle(job, outcome: outcomes[job.job.id], in: scheduler) }
        }
    }

    /// Imports what the job's journal gained and, when the job has ended, books the attempt.
    private func settle(_ job: InFlight, outcome: JobOutcome?, in scheduler: Scheduler) {
        var job = job
        let store = scheduler.recorder.store
        let nodeID = scheduler.nodes[job.node].id
        var importError: (any Error)?
        if FileManager.default.fileExists(atPath: job.journal.path) {
            do {
                let (next, end) = try store.importJournal(job.journal, node: nodeID, from: job.offset)
                job.offset = next
                if let end { job.ending = end }
            } catch {
                importError = error
            }
        }
        let ending = job.ending
        var result: AttemptResult?
        switch outcome {
        case .alive?, nil: result = nil
        case .succeeded?:
            if case .succeeded(let stageOutcome)? = ending {
                result = scheduler.checked(stageOutcome, node: job.node)
            } else {
                let why = importError.map { "cannot import its journal \(job.journal.path): \($0)" }
                    ?? "its journal \(job.journal.path) has no outcome"
                result = .failed(message: "job \(job.job.id) exited 0 but \(why)", retryable: true)
            }
        case .failed(let marker)?:
            if case .failed(let message, let retryable)? = ending {
                result = .failed(message: message, retryable: retryable)
            } else {
                result = .failed(message: "job \(job.job.id) exited with code \(marker.exitCode) (see "
                                 + "job.\(job.job.name.attempt).err in the node directory)", retryable: true)
            }
        case .ended(let state)?: result = .failed(message: "job \(job.job.id): \(state.message)", retryable: true)
        case .lost?:
            result = .failed(message: "job \(job.job.id) is LOST: gone from Slurm with no exit marker and no final "
                             + "record", retryable: true)
        }
        if case .failed? = result, scheduler.interruptedBySignalNow() { result = .interrupted }
        lock.lock()
        jobs[job.job.id] = result == nil ? job : nil
        lock.unlock()
        guard let result else { return }
        let state: String
        switch outcome {
        case .succeeded?: state = "COMPLETED"
        case .failed?: state = "FAILED"
        case .ended(let s)?: state = s.name
        default: state = "LOST"
        }
        try? store.updateJobs([JobUpdate(node: nodeID, attempt: job.job.name.attempt, state: state, reason: nil,
                                         endedAt: Date())])
        for n in scheduler.finishAttempt(job.node, attempt: job.attempt, result: result) { scheduler.launch(n) }
    }
}
