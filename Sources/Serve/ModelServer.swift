import Foundation
import LemaCore
import HTTPServing
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import TinyGPT
import UnixSignals

/// `lema serve`: one in-process checkpoint behind the OpenAI-compatible HTTP API (Hummingbird 2).
///
/// Routes: `POST /v1/completions`, `POST /v1/chat/completions`, `GET /v1/models`, `GET /health`. Errors are
/// `ErrorResponseBody` JSON. Generation runs on one dedicated thread that micro-batches concurrent requests (see
/// `GenerationQueue`); prompts become tokens and tokens text through `TextCompleter`, exactly as in the in-process
/// stages, so a checkpoint decoded greedily gives the same text either way.
///
/// Semantics clients can rely on:
/// - choices are prompt-major (`index = prompt × n + choice`); row seeds are the request's `seed` + that index
///   (so `n = 1, seed = s` samples exactly like an in-process row seeded `s`), else drawn from a server counter;
/// - `max_tokens` defaults to the model's context; a prompt too long to leave room for the answer keeps its newest
///   tokens (`TextCompleter`); `usage.prompt_tokens` counts what the model saw (`bos` included);
/// - `stop` (a string or up to 16 strings) cuts the text before the first stop string; `finish_reason` is "stop"
///   (end token or stop string) or "length";
/// - chat messages are rendered as their contents joined with a blank line (`ChatRendering`);
/// - `top_k` ≤ 0 means off; `logprobs` (completions) returns each generated token's log p;
/// - `stream: true` answers with server-sent events as tokens are generated (see `ModelServer+Streaming.swift`);
///   the streamed text of a choice is exactly its non-streamed text, and a client that disconnects ends its rows.
///
/// ```swift
/// let server = ModelServer(model: try ServedModel.load(contentsOf: file), configuration: .init(port: 0))
/// let port = try await server.start()   // listening on 127.0.0.1:port
/// …
/// await server.stop()
/// ```
public final class ModelServer: Sendable {
    /// The name clients address the model by: listed in `/v1/models`, echoed in every response; a request naming
    /// another `model` gets 404 (an empty name means this one).
    public let modelName: String
    /// Listening, batching and request limits, fixed at init.
    public let configuration: ServeConfiguration
    /// The model's context length in tokens.
    public let contextLength: Int
    let queue: GenerationQueue
    private let runner = HTTPServerRunner()
    private let responseCounter = Locked<UInt64>(0)
    private let generationRequestCounter = Locked<Int>(0)

    /// Sets up the generation queue for `model` (its thread starts here); nothing listens until `start()`.
    public init(model: ServedModel, configuration: ServeConfiguration = ServeConfiguration()) {
        modelName = model.name
        self.configuration = configuration
        contextLength = model.model.config.contextLength
        queue = GenerationQueue(model: model, threads: configuration.threads, batchRows: configuration.batchRows,
                                batchWait: configuration.batchWait, seedBase: configuration.seed,
                                afterStreamedToken: configuration.afterStreamedToken)
    }

    /// Starts listening and returns the bound port once the socket accepts connections.
    /// - Parameter stopOnSignals: SIGINT and SIGTERM stop the server gracefully (the CLI); otherwise call `stop()`
    @discardableResult
    public func start(stopOnSignals: Bool = false) async throws -> Int {
        do {
            return try await runner.start(router: makeRouter(), host: configuration.host, port: configuration.port,
                                          serverName: "lema-serve", stopOnSignals: stopOnSignals)
        } catch let error as HTTPServerStartError {
            switch error {
            case .addressInUse(let host, let port): throw ServeError.addressInUse(host: host, port: port)
            case .cannotListen(let host, let port, let detail): throw ServeError.cannotListen(host: host, port: port, detail)
            case .stopped: throw ServeError.stopped
            }
        }
    }

    /// The bound port while running.
    public var port: Int? { runner.port }

    /// Returns when the server has stopped (after `stop()` or a shutdown signal); then finishes queued generation.
    public func waitUntilStopped() async {
        await runner.waitUntilStopped()
        queue.shutdown()
    }

    /// Stops accepting connections, lets in-flight requests finish, and ends the generation thread.
    public func stop() async {
        await runner.stop()
        queue.shutdown()
    }

    /// POSTs received on the generation routes (completions and chat), valid or not; lets tests check that a
    /// client did not call again.
    public var generationRequests: Int { generationRequestCounter.withLock { $0 } }

    /// Rows of the batch being generated now (0 when idle).
    public var activeGenerationRows: Int { queue.activeRows.withLock { $0 } }

    /// Rows ended before their natural end, or never started, because the client streaming them disconnected.
    public var abandonedRows: Int { queue.abandonedRows.withLock { $0 } }

    func countGenerationRequest() { generationRequestCounter.withLock { $0 += 1 } }

    func responseID(_ prefix: String) -> String {
        let n = responseCounter.withLock { value -> UInt64 in
            value += 1
            return value
        }
        return "\(prefix)-\(String(n, radix: 16))"
    }
}
