import Foundation

/// Where a ready node runs. The scheduler owns *what* runs and when (parents first, the ready queue, retries, the
/// bookkeeping of every transition); an executor owns *where* an attempt runs and the capacity it holds meanwhile.
/// Each node's executor is chosen once, from `GraphNode.execution.executor` (see `Scheduler.executorOfNode`).
///
/// `reserve` and `release` are called with the scheduler's lock held (they touch capacity it guards); `start` without.
protocol NodeExecutor: AnyObject, Sendable {
    /// Takes the capacity node `i` needs; false (and nothing taken) when there is not enough now. Caller holds the
    /// scheduler's lock.
    func reserve(_ i: Int, in scheduler: Scheduler) -> Bool
    /// Gives back what `reserve` took for node `i`. Caller holds the scheduler's lock.
    func release(_ i: Int, in scheduler: Scheduler)
    /// Runs one attempt of node `i` (capacity already reserved) and books it through the scheduler.
    func start(_ i: Int, in scheduler: Scheduler)
    /// First SIGINT/SIGTERM: stop what runs outside this process (in-process attempts are cancelled through their
    /// `NodeContext` by the scheduler).
    func interrupt(in scheduler: Scheduler)
}

extension NodeExecutor {
    func interrupt(in scheduler: Scheduler) {}
}

/// This machine: the attempt runs in-process on a Dispatch worker, holding `min(threads, jobs)` of the `--jobs`
/// tokens. A worker that finishes a node keeps going with the next ready local one (no hop through a coordinator
/// thread), which keeps the per-node cost of tiny nodes at a few µs.
final class LocalExecutor: NodeExecutor, @unchecked Sendable {
    // @unchecked Sendable: `freeTokens` is only touched under the scheduler's lock (see `NodeExecutor`).
    let jobs: Int
    private var freeTokens: Int

    init(jobs: Int) {
        self.jobs = jobs
        freeTokens = jobs
    }

    /// Tokens a node holds while it runs: its `threads`, at least 1, at most `jobs` (a wide node never waits forever).
    func tokens(for node: GraphNode) -> Int { min(max(1, node.threads), jobs) }

    func reserve(_ i: Int, in scheduler: Scheduler) -> Bool {
        let need = tokens(for: scheduler.nodes[i])
        guard freeTokens >= need else { return false }
        freeTokens -= need
        return true
    }

    func release(_ i: Int, in scheduler: Scheduler) {
        freeTokens += tokens(for: scheduler.nodes[i])
    }

    func start(_ i: Int, in scheduler: Scheduler) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            var next: Int? = i
            while let current = next {
                next = nil
                for n in scheduler.runAttempt(current) {
                    if next == nil, scheduler.executorOfNode[n] === self { next = n } else { scheduler.launch(n) }
                }
            }
        }
    }
}
