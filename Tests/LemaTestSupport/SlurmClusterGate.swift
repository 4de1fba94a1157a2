import Testing

/// The one-node test cluster is shared by every suite that submits jobs, and they run in parallel. Most can share
/// it; a test that takes the node down (which kills every job on it) must have it alone. Tests declare which with
/// the `.slurmCluster` / `.slurmClusterAlone` traits; the gate is a readers–writer lock that suspends (never blocks
/// a thread of the cooperative pool) and lets a waiting exclusive test in before later shared ones.
public actor SlurmClusterGate {
    public static let shared = SlurmClusterGate()

    private var sharedHolders = 0
    private var exclusiveHeld = false
    private var waiting: [(exclusive: Bool, resume: CheckedContinuation<Void, Never>)] = []

    func acquire(exclusive: Bool) async {
        if waiting.isEmpty, canEnter(exclusive: exclusive) {
            enter(exclusive: exclusive)
            return
        }
        await withCheckedContinuation { waiting.append((exclusive, $0)) }
    }

    func release(exclusive: Bool) {
        if exclusive { exclusiveHeld = false } else { sharedHolders -= 1 }
        // Wake waiters in order while they fit (an exclusive one at the head holds back those behind it).
        while let next = waiting.first, canEnter(exclusive: next.exclusive) {
            waiting.removeFirst()
            enter(exclusive: next.exclusive)
            next.resume.resume()
        }
    }

    private func canEnter(exclusive: Bool) -> Bool {
        exclusive ? !exclusiveHeld && sharedHolders == 0 : !exclusiveHeld
    }

    private func enter(exclusive: Bool) {
        if exclusive { exclusiveHeld = true } else { sharedHolders += 1 }
    }
}

/// Runs each test case of the suite or test it is attached to while holding the cluster gate.
public struct SlurmClusterTrait: TestTrait, SuiteTrait, TestScoping {
    let exclusive: Bool

    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        // A suite's own scope holds nothing: its test cases take the gate one by one.
        guard testCase != nil else { return try await function() }
        await SlurmClusterGate.shared.acquire(exclusive: exclusive)
        do {
            try await function()
        } catch {
            await SlurmClusterGate.shared.release(exclusive: exclusive)
            throw error
        }
        await SlurmClusterGate.shared.release(exclusive: exclusive)
    }
}

extension Trait where Self == SlurmClusterTrait {
    /// Submits jobs to the shared test cluster alongside other tests.
    public static var slurmCluster: Self { SlurmClusterTrait(exclusive: false) }
    /// Needs the test cluster alone (it takes the node down, or must see every job on it as its own).
    public static var slurmClusterAlone: Self { SlurmClusterTrait(exclusive: true) }
}
