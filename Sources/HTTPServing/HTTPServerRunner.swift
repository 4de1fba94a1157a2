import Foundation
import Hummingbird
import LemaCore
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// Why a server could not start listening.
public enum HTTPServerStartError: Error, Sendable, Equatable {
    /// Another socket already holds host:port.
    case addressInUse(host: String, port: Int)
    /// Binding failed for another reason, given as text.
    case cannotListen(host: String, port: Int, String)
    /// The server shut down before its socket accepted connections.
    case stopped
}

/// The life of one Hummingbird server, as `lema serve` and `lema ui` run theirs: start on host:port (0 = any free
/// port) and return once the socket accepts connections, report the bound port, stop gracefully (on `stop()`, or
/// on SIGINT/SIGTERM when asked), and wait until stopped. Thread-safe.
public final class HTTPServerRunner: Sendable {
    private let state = Locked(State())

    private struct State {
        var group: ServiceGroup?
        var task: Task<Void, Never>?
        var port: Int?
    }

    /// A runner with no server yet.
    public init() {}

    /// Starts `router` listening on `host`:`port` and returns the bound port once connections are accepted; throws
    /// `HTTPServerStartError` when the address cannot be bound. With `stopOnSignals`, SIGINT and SIGTERM stop the
    /// server gracefully (for the CLI); otherwise only `stop()` does.
    @discardableResult
    public func start<Context: RequestContext>(router: Router<Context>, host: String, port: Int, serverName: String,
                                               stopOnSignals: Bool) async throws -> Int
        where Context.Source == ApplicationRequestContextSource {
        let started = OneShot<Int>()
        var logger = Logger(label: serverName)
        logger.logLevel = .warning
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: serverName),
            onServerRunning: { channel in started.succeed(channel.localAddress?.port ?? 0) },
            logger: logger)
        let signals: [UnixSignal] = stopOnSignals ? [.sigterm, .sigint] : []
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: signals,
                                                      logger: logger))
        let task = Task {
            do {
                try await group.run()
                started.fail(HTTPServerStartError.stopped)
            } catch {
                started.fail(Self.listenError(error, host: host, port: port))
            }
        }
        state.withLock {
            $0.group = group
            $0.task = task
        }
        let bound = try await started.value
        state.withLock { $0.port = bound }
        return bound
    }

    /// The bound port while running.
    public var port: Int? { state.withLock { $0.port } }

    /// Returns when the server has stopped (after `stop()` or a shutdown signal).
    public func waitUntilStopped() async {
        let task = state.withLock { $0.task }
        await task?.value
    }

    /// Stops accepting connections and lets in-flight requests finish; returns when the server has stopped.
    public func stop() async {
        let group = state.withLock { $0.group }
        await group?.triggerGracefulShutdown()
        await waitUntilStopped()
        state.withLock { $0.port = nil }
    }

    /// A bind failure in words a user can act on.
    static func listenError(_ error: any Error, host: String, port: Int) -> HTTPServerStartError {
        if let io = error as? IOError, io.errnoCode == EADDRINUSE { return .addressInUse(host: host, port: port) }
        let text = "\(error)"
        if text.contains("Address already in use") { return .addressInUse(host: host, port: port) }
        return .cannotListen(host: host, port: port, text)
    }
}
