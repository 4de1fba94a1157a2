import Engine
import Foundation
import HTTPServing
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

    private let runner = HTTPServerRunner()

    private struct State {
        var poller: Task<Void, Never>?
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
        let live = self.live, interval = configuration.pollInterval
        let poller = Task.detached {
            while !Task.isCancelled {
                _ = try? live.poll()
                try? await Task.sleep(for: interval)
            }
        }
        state.withLock { $0.poller = poller }
        do {
            return try await runner.start(router: makeRouter(), host: configuration.host, port: configuration.port,
                                          serverName: "lema-ui", stopOnSignals: stopOnSignals)
        } catch let error as HTTPServerStartError {
            poller.cancel()
            switch error {
            case .addressInUse(let host, let port):
                throw RunViewError.cannotListen(host: host, port: port, "address already in use")
            case .cannotListen(let host, let port, let detail): throw RunViewError.cannotListen(host: host, port: port, detail)
            case .stopped: throw RunViewError.stopped
            }
        }
    }

    /// The bound port while running.
    public var port: Int? { runner.port }

    /// Returns when the server has stopped (after `stop()` or a shutdown signal).
    public func waitUntilStopped() async {
        await runner.waitUntilStopped()
        state.withLock { $0.poller?.cancel() }
        live.finishSubscribers()
    }

    /// Stops polling and listening; open event streams end.
    public func stop() async {
        live.finishSubscribers()
        await runner.stop()
        state.withLock { $0.poller?.cancel() }
        live.finishSubscribers()
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
