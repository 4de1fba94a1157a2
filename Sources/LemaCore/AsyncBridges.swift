import Foundation

/// Runs async work to completion from synchronous code (a command's `run()`, a benchmark's entry point), on the
/// cooperative pool while the calling thread waits.
public enum BlockingTask {
    public static func run(_ body: @escaping @Sendable () async throws -> Void) throws {
        let done = DispatchSemaphore(value: 0)
        let failure = Locked<(any Error)?>(nil)
        Task {
            do { try await body() } catch { failure.withLock { $0 = error } }
            done.signal()
        }
        done.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }
}

/// A result set once and awaited by anyone (e.g. the port a server bound, or why it could not).
public final class OneShot<T: Sendable>: @unchecked Sendable {
    // Safe: `result` and `waiters` are only touched under `lock`.
    private var result: Result<T, any Error>?
    private var waiters: [CheckedContinuation<T, any Error>] = []
    private let lock = NSLock()

    public init() {}

    public func succeed(_ value: T) { complete(.success(value)) }
    public func fail(_ error: any Error) { complete(.failure(error)) }

    private func complete(_ outcome: Result<T, any Error>) {
        lock.lock()
        guard result == nil else {
            lock.unlock()
            return
        }
        result = outcome
        let waiting = waiters
        waiters = []
        lock.unlock()
        for waiter in waiting { waiter.resume(with: outcome) }
    }

    public var value: T {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                lock.lock()
                if let result {
                    lock.unlock()
                    continuation.resume(with: result)
                } else {
                    waiters.append(continuation)
                    lock.unlock()
                }
            }
        }
    }
}
