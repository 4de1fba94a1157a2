import Foundation

/// Why the client waits; recorded by test clocks so tests assert waits, never wall-clock time.
public enum EndpointWait: Sendable, Hashable {
    /// Backoff between attempts (exponential, with jitter).
    case backoff
    /// Backoff stretched to honour the server's `Retry-After`.
    case retryAfter
    /// The requests-per-minute limiter.
    case requestRate
    /// The tokens-per-minute limiter.
    case tokenRate
}

/// Time as the client sees it: injectable so that rate limits and backoff can be tested without waiting.
/// (Per-request timeouts are not affected: they are deadlines of the HTTP client.)
public protocol EndpointClock: Sendable {
    /// Seconds since an arbitrary fixed origin; never decreases.
    func now() -> Double
    /// Waits `seconds` (throws `CancellationError` when the task is cancelled).
    func sleep(seconds: Double, reason: EndpointWait) async throws
}

/// Real time. Every instance shares one origin, so clients that share limiters agree on `now()`.
public struct SystemEndpointClock: EndpointClock {
    private static let origin = ContinuousClock.now

    /// A clock on the shared process-wide origin.
    public init() {}

    /// Seconds since any `SystemEndpointClock` in this process first read the time; monotonic.
    public func now() -> Double {
        let elapsed = ContinuousClock.now - Self.origin
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// `Task.sleep` for `seconds` (capped at one day; nothing for ≤ 0); throws `CancellationError` when cancelled.
    public func sleep(seconds: Double, reason: EndpointWait) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(min(seconds, 86_400) * 1e9))
    }
}

/// Virtual time for tests: `sleep` returns at once, advances `now()` by the requested amount and records the wait.
public final class RecordingEndpointClock: EndpointClock, @unchecked Sendable {
    // Guarded by `lock`.
    private var virtualNow = 0.0
    private var recorded: [(EndpointWait, Double)] = []
    private let lock = NSLock()

    /// A clock at virtual time 0 with no waits recorded.
    public init() {}

    /// Virtual seconds: the sum of every wait so far.
    public func now() -> Double {
        lock.withLock { virtualNow }
    }

    /// Records the wait and advances `now()` by `seconds` without waiting; throws `CancellationError` when cancelled.
    public func sleep(seconds: Double, reason: EndpointWait) async throws {
        try Task.checkCancellation()
        lock.withLock {
            recorded.append((reason, seconds))
            virtualNow += max(seconds, 0)
        }
        await Task.yield()
    }

    /// Every wait so far, in order, with its reason.
    public var waits: [(reason: EndpointWait, seconds: Double)] {
        lock.withLock { recorded.map { (reason: $0.0, seconds: $0.1) } }
    }

    /// The waits of one kind, in order.
    public func waits(_ reason: EndpointWait) -> [Double] {
        lock.withLock { recorded.filter { $0.0 == reason }.map(\.1) }
    }
}
