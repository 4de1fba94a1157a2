import Synchronization

/// A value behind a `Mutex`, in a class so that escaping closures and tasks can share it (a `Mutex` itself cannot be
/// copied into them). The one lock box of lema: the compiler checks its `Sendable` conformance, no `@unchecked`.
public final class Locked<Value>: Sendable {
    private let mutex: Mutex<Value>

    /// A lock around `value`.
    public init(_ value: sending Value) {
        mutex = Mutex(value)
    }

    /// Runs `body` with exclusive access to the value.
    public func withLock<Result, Failure: Error>(
        _ body: (inout sending Value) throws(Failure) -> sending Result
    ) throws(Failure) -> sending Result {
        try mutex.withLock(body)
    }
}

extension Locked where Value: Sendable {
    /// A copy of the value.
    public var current: Value { withLock { $0 } }
}
