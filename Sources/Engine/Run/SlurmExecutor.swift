import Foundation
import LemaCore
import Slurm
import StageAPI

/// Runs nodes as Slurm jobs: `start` writes the node's `job.json` and submits `lema node-exec <node dir>` at most
/// once (`SlurmSubmission.submitOnce`); one poller thread asks Slurm about every job in flight with one squeue call
/// per `pollInterval` (`JobTracker`), keeps each job's row in the jobs table up to date (state, reason, start),
/// imports each job's journal into the store while it runs and when it ends (the controller stays the only writer of
/// `state.sqlite`), and books the attempt through `Scheduler.finishAttempt`. At most `max_jobs` nodes are in flight;
/// they hold no local tokens.
final class SlurmExecutor: NodeExecutor, @unchecked Sendable {
    // @unchecked Sendable: `reserved` is only touched under the scheduler's lock, `jobs`/`polling` under `lock`,
    // `tracker` only on the poller thread.
    struct InFlight {
        let node: Int
        /// This run's attempt of the node (what `retries` counts).
        let attempt: Int
        let job: TrackedJob
        let journal: URL
        var offset = 0
        /// The journal's ending once imported (it may arrive a poll before the job leaves the queue).
        var ending: JournalEnding?
        /// The state and reason last written to the jobs table (only changes are written).
        var recorded: JobStateRecord?
        /// Seen running once: a later `BeginTime` hold is Slurm's delay after a requeue, which lema lifts.
        var hasRun = false
        /// When a requeued job was first seen held (`BeginTime`); lema lifts the hold a little later.
        var heldSince: Date?
        /// Submitted by an earlier run and followed now.
        var reattached = false
    }

    /// A job's state as the jobs table keeps it.
    struct JobStateRecord: Equatable {
        var state: String
        var reason: String
    }

    let settings: ExecutorSettings
    let client: SlurmClient
    /// The `lema` binary jobs run (the controller's own path unless configured).
    let executable: String
    /// Seconds before the time limit at which checkpointing stages are warned (`--signal=B:USR1@N`).
    let warningSeconds: Int
    /// Submit and return (`lema run --detach`): attempts end as `.detached` the moment their job id is recorded.
    let detach: Bool
    private var reserved = 0
    let lock = NSLock()
    var jobs: [String: InFlight] = [:]
    var polling = false
    var tracker: JobTracker

    init(settings: ExecutorSettings, client: SlurmClient = SlurmClient(), executable: String, warningSeconds: Int = 60,
         detach: Bool = false) {
        self.detach = detach
        self.settings = settings
        self.client = client
        self.executable = executable
        self.warningSeconds = warningSeconds
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
        scheduler.reporter.log("slurm: cancelling \(ids.count) job(s) of this run: \(ids.sorted().joined(separator: " "))")
        do { try client.cancel(ids) } catch {
            scheduler.reporter.log("slurm: could not cancel jobs \(ids.joined(separator: ", ")): \(error)")
        }
    }

    func start(_ i: Int, in scheduler: Scheduler) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let (context, attempt) = scheduler.beginAttempt(i)
            do {
                let job = try submit(i, attempt: attempt, context: context, in: scheduler)
                // Detached, a job is left to itself — unless it is an earlier run's that has already ended by itself
                // (its exit marker is there): that one is imported now, and what depends on it is submitted.
                if detach, !(job.reattached && FileManager.default.fileExists(atPath: job.job.marker.path)) {
                    for n in scheduler.finishAttempt(i, attempt: attempt, result: .detached(jobID: job.job.id)) {
                        scheduler.launch(n)
                    }
                    return
                }
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
        if !unfinished { try writeSeedJournal(node: node.id, directory: directory, store: store) }
        let prior = (0..<jobAttempt).map { directory.appendingPathComponent("journal.\($0).jsonl").path }
            .filter { FileManager.default.fileExists(atPath: $0) }
        let spec = JobSpec(stageName: node.stage, fingerprint: node.id, kind: node.kind, kindVersion: node.kindVersion,
                           params: node.params, seed: context.seed, threads: context.threads,
                           specDirectory: context.specDirectory.path, nodeDirectory: directory.path, inputs: inputs,
                           attempt: jobAttempt, priorJournals: prior)
        if !unfinished {
            // A job already submitted reads the job.json it was given; only a new attempt gets a new one.
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            try AtomicFile.write(try encoder.encode(spec), to: directory.appendingPathComponent("job.json"))
        }
        let checkpointing = scheduler.registry[node.kind]?.placement == .checkpointing
        let request = JobRequest(name: JobName(run: scheduler.graph.pipelineName, node: node.id, attempt: jobAttempt),
                                 argv: [executable, "node-exec", directory.path], directory: directory,
                                 resources: node.execution.resources, requeue: checkpointing,
                                 warning: checkpointing ? warning(for: node.execution.resources) : nil,
                                 environment: JobEnvironment.forJob(from: ProcessInfo.processInfo.environment))
        let (id, source) = try SlurmSubmission.submitOnce(request, node: node.id, store: store, client: client,
                                                          configuration: { try self.client.configuration() })
        var job = InFlight(node: i, attempt: attempt, job: TrackedJob(id: id, name: request.name, marker: request.markerURL),
                           journal: spec.journalURL)
        if source != .submitted {
            job.reattached = true
            scheduler.reporter.log("slurm: stage '\(node.stage)' follows its job \(id) submitted by an earlier run")
            if let latest, latest.attempt == jobAttempt { job.hasRun = latest.startedAt != nil }
        }
        return job
    }

    /// `journal.0.jsonl`: what the store already has for the node — finished items (from a run that went partly
    /// locally, or imported from earlier jobs) and the latest checkpoint — so that the job never redoes them. Every
    /// new attempt rewrites it from the store (replacing it atomically); nothing to seed, no file.
    private func writeSeedJournal(node: String, directory: URL, store: Store) throws {
        let url = directory.appendingPathComponent("journal.0.jsonl")
        let items = try store.ledgerItems(node)
        let checkpoint = try store.latestCheckpoint(node)
        guard !items.isEmpty || checkpoint != nil else {
            try? FileManager.default.removeItem(at: url)
            return
        }
        var text = ""
        for (key, payload) in items.sorted(by: { $0.key < $1.key }) {
            text += JournalRecord.item(key: key, payload: payload).json.canonicalText + "\n"
        }
        if let checkpoint {
            text += JournalRecord.checkpoint(step: checkpoint.step, file: checkpoint.file).json.canonicalText + "\n"
        }
        try AtomicFile.write(Data(text.utf8), to: url)
    }

    /// The warning before a checkpointing stage's time limit: a minute, or a third of a short limit.
    private func warning(for resources: JobResources) -> WarningSignal? {
        guard let limit = resources.timeLimit else { return nil }
        return WarningSignal(secondsBefore: max(1, min(warningSeconds, Int(limit / 3))))
    }
}
