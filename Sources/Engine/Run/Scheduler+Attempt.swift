import Foundation
import LemaCore
import StageAPI

/// How one attempt of a node ended.
enum AttemptResult {
    case succeeded(StageOutcome)
    case failed(message: String, retryable: Bool)
    /// Stopped because of SIGINT/SIGTERM.
    case interrupted
    /// Submitted as a cluster job that this run does not wait for (`lema run --detach`).
    case detached(jobID: String)
}

extension Scheduler {
    /// Output directory of node `i` relative to the run directory: `nodes/<stage>-<first 12 hex of fingerprint>`.
    func relativeNodeDirectory(_ i: Int) -> String {
        "nodes/" + NodeDirectoryName.make(stage: nodes[i].stage, fingerprint: nodes[i].id)
    }

    /// Output directory of node `i`: `runs/<pipeline>/nodes/<stage>-<first 12 hex of fingerprint>/`.
    func nodeDirectory(_ i: Int) -> URL {
        runDirectory.appendingPathComponent(relativeNodeDirectory(i), isDirectory: true)
    }

    /// Runs one attempt of node `i` in-process on the current thread (`LocalExecutor`) and books the result.
    /// Returns further nodes that can start now (room already reserved on their executors).
    func runAttempt(_ i: Int) -> [Int] {
        let node = nodes[i]
        guard let kind = registry[node.kind] else {
            return finishFailed(i, message: "unknown stage kind '\(node.kind)' (known: "
                + registry.names.joined(separator: ", ") + ")")
        }
        let (context, attempt) = beginAttempt(i)
        var timeoutItem: DispatchWorkItem?
        if let seconds = node.timeout, seconds > 0 {
            let item = DispatchWorkItem { [weak context] in context?.cancel(.timeout(seconds: seconds)) }
            DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + seconds, execute: item)
            timeoutItem = item
        }
        let result = Result { try kind.run(context) }
        timeoutItem?.cancel()
        return finishAttempt(i, attempt: attempt, result: classify(result, context: context, node: i))
    }

    /// Starts the next attempt of node `i` wherever it runs: marks it running (store, progress) and returns its
    /// context and this run's attempt number.
    func beginAttempt(_ i: Int) -> (context: NodeContext, attempt: Int) {
        let node = nodes[i]
        let (context, attempt): (NodeContext, Int) = lock.locked {
            let attempt = attemptsMade(i) + 1
            let context = makeContext(i)
            states[i] = .running(context, attempt: attempt)
            return (context, attempt)
        }
        recorder.started(node.id)
        if reporter.isActive {
            reporter.nodeStarted(nodeID: node.id, label: entry(i, reason: "").label,
                                 reason: attempt > 1 ? "attempt \(attempt)" : plan[node.id]?.reason ?? "")
        }
        return (context, attempt)
    }

    /// Books how attempt `attempt` of node `i` ended, wherever it ran: success, a retry (per `retries`), failure
    /// or interruption. Returns further nodes that can start now (room already reserved on their executors).
    func finishAttempt(_ i: Int, attempt: Int, result: AttemptResult) -> [Int] {
        switch result {
        case .succeeded(let outcome):
            return finishSucceeded(i, outcome: outcome, reason: plan[nodes[i].id]?.reason ?? "")
        case .interrupted:
            return finishInterrupted(i)
        case .detached(let jobID):
            return finishDetached(i, jobID: jobID)
        case .failed(let message, let retryable):
            let canRetry = retryable && attempt <= nodes[i].retries && !isStopping()
            return canRetry ? scheduleRetry(i, attempt: attempt, message: message) : finishFailed(i, message: message)
        }
    }

    /// Attempts node `i` has made this run (it is about to make the next). Caller holds `lock`.
    private func attemptsMade(_ i: Int) -> Int {
        switch states[i] {
        case .ready(let attempts): attempts
        case .running(_, let attempt), .retryWait(let attempt, _): attempt
        default: 0
        }
    }

    private func isStopping() -> Bool { lock.locked { stopping } }

    private func classify(_ result: Result<StageOutcome, any Error>, context: NodeContext, node i: Int) -> AttemptResult {
        switch result {
        case .success(let outcome): return checked(outcome, node: i)
        case .failure(let error):
            switch context.cause {
            case .interrupted?: return .interrupted
            case .timeout(let seconds)?:
                return .failed(message: "timed out after \(ProgressReporter.duration(seconds)) (timeout: in the spec)",
                               retryable: true)
            case nil: break
            }
            if let failure = error as? StageFailure { return .failed(message: failure.message, retryable: failure.retryable) }
            if error is any PermanentError { return .failed(message: "\(error)", retryable: false) }
            if error is StageCancelled { return .failed(message: "the stage cancelled itself", retryable: true) }
            return .failed(message: "\(error)", retryable: true)
        }
    }

    /// A stage's outcome (artifact paths relative to the node directory) as the store and children see it, once
    /// every claimed artifact exists.
    func checked(_ outcome: StageOutcome, node i: Int) -> AttemptResult {
        // A stage that claims an artifact must have written it (consumers would fail far from the cause).
        if !outcome.artifacts.isEmpty {
            let dir = nodeDirectory(i).path + "/"
            for (name, path) in outcome.artifacts.sorted(by: { $0.key < $1.key })
            where !FileManager.default.fileExists(atPath: dir + path) {
                return .failed(message: "stage reported artifact '\(name)' at \(dir + path) but no such file "
                    + "exists (a bug in the stage kind '\(nodes[i].kind)')", retryable: false)
            }
        }
        // The store and children see paths relative to the run directory (`nodes/<dir>/<file>`).
        let prefix = relativeNodeDirectory(i) + "/"
        return .succeeded(StageOutcome(artifacts: outcome.artifacts.mapValues { prefix + $0 }, summary: outcome.summary))
    }

    /// The context of node `i`: its inputs are the artifacts of finished or skipped parents (paths relative to the
    /// run directory), each input's summary extended with `_variants` (the producer's variants and their params,
    /// for stages that compare variants). Caller holds `lock`.
    private func makeContext(_ i: Int) -> NodeContext {
        let node = nodes[i]
        var inputs: [String: [InputArtifact]] = [:]
        for (parameter, edges) in node.inputs {
            inputs[parameter] = edges.map { edge in
                let parentIndex = indexByID[edge.nodeID]
                let outcome = parentIndex.flatMap { finishedOutcome(of: $0) } ?? StageOutcome()
                var summary = outcome.summary
                if let parentIndex { summary["_variants"] = variantsValue(of: parentIndex) }
                return InputArtifact(stage: edge.stage, fingerprint: edge.nodeID, selected: edge.artifact,
                                     artifacts: outcome.artifacts.mapValues { runDirectory.appendingPathComponent($0) },
                                     summary: summary)
            }
        }
        return NodeContext(node: node, seed: SeededRNG.derive(graph.seed, node.id), threads: tokens(for: i),
                           specDirectory: graph.specDirectory, runDirectory: runDirectory,
                           relativeDirectory: relativeNodeDirectory(i), inputs: inputs,
                           store: recorder.store, reporter: reporter)
    }

    /// The outcome of a finished or skipped node (nil for a skipped node with no record, or one not finished).
    /// Caller holds `lock`.
    private func finishedOutcome(of i: Int) -> StageOutcome? {
        switch states[i] {
        case .succeeded(let outcome): outcome
        case .skipped(let outcome): outcome
        default: nil
        }
    }

    /// `Graph.variantsValue` of node `i`, computed once per node (a fan-in of 10,000 children of one parent asks 10,000 times). Caller holds `lock`.
    private func variantsValue(of i: Int) -> JSONValue {
        if let cached = variantsValues[i] { return cached }
        let value = graph.variantsValue(of: nodes[i])
        variantsValues[i] = value
        return value
    }

    // MARK: Booking results

    private func finishSucceeded(_ i: Int, outcome: StageOutcome, reason: String) -> [Int] {
        recorder.succeeded(nodes[i].id, outcome: outcome, reason: reason)
        reporter.nodeFinished(nodeID: nodes[i].id, status: "done", detail: nil)
        return lock.locked {
            states[i] = .succeeded(outcome)
            summary.succeeded.append(entry(i, reason: reason))
            release(i)
            for child in children[i] {
                guard case .waiting(let remaining) = states[child] else { continue }
                if remaining == 1 {
                    states[child] = .ready(attempts: 0)
                    ready.append(child)
                } else {
                    states[child] = .waiting(remainingParents: remaining - 1)
                }
            }
            let next = takeLaunchable()
            wakeIfIdleLocked()
            return next
        }
    }

    private func finishFailed(_ i: Int, message: String) -> [Int] {
        let node = nodes[i]
        recorder.failed(node.id, error: message)
        reporter.nodeFinished(nodeID: node.id, status: "FAILED", detail: message)
        return lock.locked {
            states[i] = .failed(message: message)
            summary.failed.append(entry(i, reason: message))
            release(i)
            blockDescendants(of: i)
            if !options.keepGoing { stopping = true }
            let next = takeLaunchable()
            wakeIfIdleLocked()
            return next
        }
    }

    private func finishInterrupted(_ i: Int) -> [Int] {
        recorder.pending(nodes[i].id, reason: Planner.Reason.interrupted)
        reporter.nodeFinished(nodeID: nodes[i].id, status: "STOP", detail: "interrupted; progress kept")
        return lock.locked {
            states[i] = .interrupted
            summary.interruptedNodes.append(entry(i, reason: Planner.Reason.interrupted))
            release(i)
            wakeIfIdleLocked()
            return []
        }
    }

    private func finishDetached(_ i: Int, jobID: String) -> [Int] {
        let reason = "submitted as Slurm job \(jobID) (--detach); `lema run` again follows it"
        recorder.pending(nodes[i].id, reason: reason)
        reporter.nodeFinished(nodeID: nodes[i].id, status: "SUBMITTED", detail: "job \(jobID)")
        return lock.locked {
            states[i] = .interrupted
            summary.detached.append(entry(i, reason: reason))
            release(i)
            let next = takeLaunchable()
            wakeIfIdleLocked()
            return next
        }
    }

    /// Gives back the room node `i` held on its executor and counts it inactive. Caller holds `lock`.
    private func release(_ i: Int) {
        executorOfNode[i].release(i, in: self)
        active -= 1
    }

    /// Marks every not-yet-started descendant of failed node `i` blocked. Caller holds `lock`.
    private func blockDescendants(of i: Int) {
        let failedLabel = entry(i, reason: "").label
        var stack = children[i]
        while let d = stack.popLast() {
            guard case .waiting = states[d] else { continue }
            states[d] = .blocked(by: i)
            summary.blocked.append(entry(d, reason: "blocked by failed \(failedLabel)"))
            recorder.blocked(nodes[d].id, by: nodes[i].stage)
            stack.append(contentsOf: children[d])
        }
    }

    // MARK: Retries

    /// Waits out an exponential backoff with deterministic jitter (derived from the seed, the node and the
    /// attempt), holding no tokens, then puts the node at the front of the ready queue.
    private func scheduleRetry(_ i: Int, attempt: Int, message: String) -> [Int] {
        let node = nodes[i]
        let delay = backoffDelay(node: node, attempt: attempt)
        let note = "attempt \(attempt) of \(node.retries + 1) failed: \(message); retrying in "
            + ProgressReporter.duration(delay)
        recorder.retrying(node.id, event: note,
                          reason: "retrying (attempt \(attempt + 1) of \(node.retries + 1)) after: \(message)")
        reporter.nodeFinished(nodeID: node.id, status: "RETRY", detail: note)
        let until = DispatchTime.now() + delay
        let next: [Int] = lock.locked {
            states[i] = .retryWait(attempt: attempt, until: until)
            executorOfNode[i].release(i, in: self)
            return takeLaunchable()
        }
        DispatchQueue.global(qos: .userInitiated).asyncAfter(deadline: until) { [self] in
            let launchable: [Int] = lock.locked {
                guard case .retryWait(let attempt, _) = states[i] else { return [] }  // interrupted meanwhile
                states[i] = .ready(attempts: attempt)
                ready.insert(i, at: readyHead)
                active -= 1  // takeLaunchable counts it again
                let out = takeLaunchable()
                wakeIfIdleLocked()
                return out
            }
            for n in launchable { launch(n) }
        }
        return next
    }

    /// `base · 2^(attempt-1)`, capped, times a jitter factor in [0.5, 1) that depends only on (seed, node, attempt).
    func backoffDelay(node: GraphNode, attempt: Int) -> TimeInterval {
        let exponential = min(options.retryMaxDelay, options.retryBaseDelay * pow(2, Double(max(0, attempt - 1))))
        var rng = SeededRNG(seed: SeededRNG.derive(graph.seed, node.id, "retry", String(attempt)))
        return exponential * (0.5 + 0.5 * rng.nextDouble())
    }
}
