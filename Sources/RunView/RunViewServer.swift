import Engine
import Foundation
import Hummingbird
import LemaCore
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// Where and how `lema ui` listens and polls.
public struct RunViewConfiguration: Sendable {
    /// Address to listen on (loopback by default: the page shows everything in the store).
    public var host: String
    /// 0 picks a free port.
    public var port: Int
    /// How often the store is asked whether anything changed (`PRAGMA data_version`).
    public var pollInterval: Duration

    public init(host: String = "127.0.0.1", port: Int = 0, pollInterval: Duration = .milliseconds(100)) {
        self.host = host
        self.port = port
        self.pollInterval = pollInterval
    }
}

/// `lema ui`: a read-only live view of one run in the browser (Hummingbird 2).
///
/// Routes: `GET /` (the page; script, style and favicon are embedded in the binary), `GET /api/graph`,
/// `/api/nodes`, `/api/node/{position or id}`, `/api/sweep`, `/api/metrics?since=`, `/api/events?after=`,
/// `/api/snapshot` and `/api/stream` (server-sent events: a `snapshot`, then one `delta` per change batch).
/// The store is only ever read, through a `StoreReader` (`query_only`, never the run lock).
public final class RunViewServer: Sendable {
    public let configuration: RunViewConfiguration
    let live: LiveRun
    let details: RunDetails
    private let state = Locked(State())

    private struct State {
        var group: ServiceGroup?
        var task: Task<Void, Never>?
        var poller: Task<Void, Never>?
        var port: Int?
    }

    /// - Parameters:
    ///   - graph: the compiled spec (as `lema status` compiles it).
    ///   - runDirectory: `runs/<pipeline>/`, holding `state.sqlite` (which need not exist yet).
    public init(graph: Graph, runDirectory: URL, storeFileName: String = "state.sqlite",
                configuration: RunViewConfiguration = RunViewConfiguration()) {
        self.configuration = configuration
        live = LiveRun(graph: graph, storePath: runDirectory.appendingPathComponent(storeFileName))
        details = RunDetails(live: live, runDirectory: runDirectory)
    }

    /// Starts polling and listening; returns the bound port once the socket accepts connections.
    @discardableResult
    public func start(stopOnSignals: Bool = false) async throws -> Int {
        let started = OneShot<Int>()
        var logger = Logger(label: "lema-ui")
        logger.logLevel = .warning
        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "lema-ui"),
            onServerRunning: { channel in started.succeed(channel.localAddress?.port ?? 0) },
            logger: logger)
        let signals: [UnixSignal] = stopOnSignals ? [.sigterm, .sigint] : []
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: signals, logger: logger))
        let host = configuration.host, port = configuration.port
        let task = Task {
            do {
                try await group.run()
                started.fail(RunViewError.stopped)
            } catch {
                started.fail(RunViewError.cannotListen(host: host, port: port, "\(error)"))
            }
        }
        let live = self.live, interval = configuration.pollInterval
        let poller = Task.detached {
            while !Task.isCancelled {
                _ = try? live.poll()
                try? await Task.sleep(for: interval)
            }
        }
        state.withLock {
            $0.group = group
            $0.task = task
            $0.poller = poller
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
        state.withLock { $0.poller?.cancel() }
        live.finishSubscribers()
    }

    /// Stops polling and listening; open event streams end.
    public func stop() async {
        let group = state.withLock { $0.group }
        live.finishSubscribers()
        await group?.triggerGracefulShutdown()
        await waitUntilStopped()
        state.withLock { $0.port = nil }
    }

    /// Reads the store now (the poller does this every `pollInterval`); for tests that want no wait.
    public func pollNow() throws { try live.poll() }

    /// `/api/graph` as served (benchmarks time it).
    public var graphJSON: String { live.graphJSON }
}

/// Why `lema ui` could not serve.
public enum RunViewError: Error, CustomStringConvertible {
    case cannotListen(host: String, port: Int, String)
    case stopped

    public var description: String {
        switch self {
        case .cannotListen(let host, let port, let detail):
            "cannot listen on \(host):\(port): \(detail) (is the port taken? try --port 0 for a free one)"
        case .stopped: "the server stopped before it started listening"
        }
    }
}
