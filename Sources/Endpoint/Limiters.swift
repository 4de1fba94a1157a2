import Foundation
import LemaCore

/// A token bucket with reservations: a caller takes its tokens at once (the level may go negative) and is told how
/// long to wait until the debt is repaid. Waiting callers therefore queue in arrival order without a waiter list.
///
/// Capacity is one minute's worth (a burst of `perMinute`, then `perMinute / 60` per second).
final class TokenBucket: @unchecked Sendable {
    let capacity: Double
    let perSecond: Double
    // Guarded by `lock`.
    private var level: Double
    private var updatedAt: Double?
    private let lock = NSLock()

    init(perMinute: Int) {
        capacity = Double(max(perMinute, 1))
        perSecond = capacity / 60
        level = capacity
    }

    /// Takes `amount` tokens (at most the capacity, so that one huge call cannot wait forever) and returns the seconds
    /// to wait before using them (0 when available now).
    func reserve(_ amount: Double, now: Double) -> Double {
        lock.withLock {
            refill(now: now)
            level -= min(max(amount, 0), capacity)
            return level >= 0 ? 0 : -level / perSecond
        }
    }

    /// Corrects an earlier reservation once the real cost is known (`delta` > 0 takes more, < 0 gives back).
    func adjust(by delta: Double, now: Double) {
        lock.withLock {
            refill(now: now)
            level = min(capacity, level - delta)
        }
    }

    private func refill(now: Double) {
        if let updatedAt, now > updatedAt {
            level = min(capacity, level + (now - updatedAt) * perSecond)
        }
        updatedAt = max(updatedAt ?? now, now)
    }
}

/// An async counting semaphore: at most `width` holders at once; waiters resume in arrival order.
final class AsyncGate: @unchecked Sendable {
    // Guarded by `lock`.
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var firstWaiter = 0
    private let lock = NSLock()

    init(width: Int) {
        available = max(width, 1)
    }

    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted: Bool = lock.withLock {
                if available > 0 {
                    available -= 1
                    return true
                }
                waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    func release() {
        let next: CheckedContinuation<Void, Never>? = lock.withLock {
            guard firstWaiter < waiters.count else {
                available += 1
                return nil
            }
            let next = waiters[firstWaiter]
            firstWaiter += 1
            if firstWaiter > 64 && firstWaiter * 2 > waiters.count {
                // Drop the served prefix now and then so the array does not grow without bound.
                waiters.removeFirst(firstWaiter)
                firstWaiter = 0
            }
            return next
        }
        next?.resume()
    }
}

/// The limits of one endpoint, shared by every client in the process with the same URL, model, key variable and limit
/// settings, so that stages running side by side against one server stay within its limits together (each client
/// alone would allow the full rate).
final class SharedLimits: Sendable {
    let gate: AsyncGate
    let requests: TokenBucket?
    let tokens: TokenBucket?

    private init(config: EndpointConfig) {
        gate = AsyncGate(width: config.maxConcurrent)
        requests = config.requestsPerMinute.flatMap { $0 > 0 ? TokenBucket(perMinute: $0) : nil }
        tokens = config.tokensPerMinute.flatMap { $0 > 0 ? TokenBucket(perMinute: $0) : nil }
    }

    private static let registry = Locked([String: SharedLimits]())

    /// The limits for `config`; `shared: false` gives a private set (clients on a virtual test clock).
    static func limits(for config: EndpointConfig, shared: Bool) -> SharedLimits {
        guard shared else { return SharedLimits(config: config) }
        let key = [config.requestURL, config.model, config.apiKeyEnv ?? "", String(config.maxConcurrent),
                   String(config.requestsPerMinute ?? 0), String(config.tokensPerMinute ?? 0)].joined(separator: "\n")
        return registry.withLock { limits in
            if let existing = limits[key] { return existing }
            let created = SharedLimits(config: config)
            limits[key] = created
            return created
        }
    }
}
