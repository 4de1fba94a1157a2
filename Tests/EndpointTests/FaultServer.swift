import Foundation
import Hummingbird
import Logging
import NIOCore
import OpenAIWire

/// What the fault server does with one request.
enum FaultAction: Sendable, Hashable {
    /// A valid completion from the server's completion function.
    case valid
    /// 429, with a `Retry-After` header when given (e.g. "2" or an HTTP date).
    case rateLimit(retryAfter: String?)
    /// A 5xx (or any status) with an OpenAI-style error body; `retryAfter` adds the header.
    case status(Int, message: String, retryAfter: String? = nil)
    /// Waits this long before answering validly (beyond the client's timeout, the client gives up first).
    case sleep(seconds: Double)
    /// 200 with a valid body cut in half (correct Content-Length: the JSON itself is truncated).
    case truncatedJSON
    /// 200 with an HTML page.
    case garbage
    /// 200 with well-formed JSON that has no choices.
    case noChoices
}

/// One request as the server saw it.
struct RecordedRequest: Sendable {
    var path: String
    /// Header names lowercased.
    var headers: [String: String]
    var body: Data
    /// When the request arrived (seconds since the server started; for diagnostics, never asserted).
    var arrival: Double = 0

    /// The `prompt` of a completions body, or the last message's content of a chat body.
    var prompt: String? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        if let prompt = object["prompt"] as? String { return prompt }
        let messages = object["messages"] as? [[String: Any]]
        return messages?.last?["content"] as? String
    }
}

/// A loopback OpenAI-compatible server that can be scripted to fail: request n (0-based, in arrival order) gets
/// `script[n]`, or, past the script, what `decide` returns (default `.valid`). Valid answers come from `completion`
/// applied to the prompt, so tests can check which prompt a reply belongs to. Reusable by any test in this target.
final class FaultServer: @unchecked Sendable {
    typealias Decide = @Sendable (_ index: Int, _ request: RecordedRequest) -> FaultAction

    let port: Int
    private let task: Task<Void, any Error>
    private let state: ServerState

    /// `http://127.0.0.1:<port>/v1`
    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    private init(port: Int, task: Task<Void, any Error>, state: ServerState) {
        self.port = port
        self.task = task
        self.state = state
    }

    /// Starts a server on 127.0.0.1 with an OS-chosen port and returns once it accepts connections.
    static func start(
        script: [FaultAction] = [],
        decide: @escaping Decide = { _, _ in .valid },
        completion: @escaping @Sendable (String) -> String = { "echo: " + $0 }
    ) async throws -> FaultServer {
        let state = ServerState(script: script, decide: decide, completion: completion)
        let router = Router()
        router.post("/v1/completions") { request, _ in
            try await state.respond(to: request, path: "/v1/completions", chat: false)
        }
        router.post("/v1/chat/completions") { request, _ in
            try await state.respond(to: request, path: "/v1/chat/completions", chat: true)
        }
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "fault-server")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portSink.yield(channel.localAddress?.port ?? 0)
                portSink.finish()
            },
            logger: logger)
        let task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw FaultServerError.noPort
        }
        return FaultServer(port: port, task: task, state: state)
    }

    /// `start(script: …) { prompt in completion }`: a trailing closure is the completion function (without this
    /// overload it would be taken for `decide`, the first closure parameter).
    static func start(
        script: [FaultAction] = [], completion: @escaping @Sendable (String) -> String
    ) async throws -> FaultServer {
        try await start(script: script, decide: { _, _ in .valid }, completion: completion)
    }

    /// Stops the server (waits for it to close; sleeping answers are cut short).
    func stop() async {
        state.withLock { $0.stopping = true }
        task.cancel()
        _ = try? await task.value
    }

    /// Requests received so far, in arrival order.
    func requests() -> [RecordedRequest] {
        state.withLock { $0.recorded }
    }

    var requestCount: Int {
        state.withLock { $0.recorded.count }
    }

    /// The most requests that were being answered at the same time.
    var maxInFlight: Int {
        state.withLock { $0.mostInFlight }
    }
}

enum FaultServerError: Error {
    case noPort
}

/// The router's shared state: the fixed script and the records (guarded by `lock`).
private final class ServerState: @unchecked Sendable {
    struct Records {
        var recorded: [RecordedRequest] = []
        var inFlight = 0
        var mostInFlight = 0
        var stopping = false
    }

    let script: [FaultAction]
    let decide: FaultServer.Decide
    let completion: @Sendable (String) -> String
    private var records = Records()
    private let started = ContinuousClock.now
    private let lock = NSLock()

    func withLock<T>(_ body: (inout Records) -> T) -> T {
        lock.withLock { body(&records) }
    }

    init(script: [FaultAction], decide: @escaping FaultServer.Decide,
         completion: @escaping @Sendable (String) -> String) {
        self.script = script
        self.decide = decide
        self.completion = completion
    }

    func respond(to request: Request, path: String, chat: Bool) async throws -> Response {
        let buffer = try await request.body.collect(upTo: 1 << 22)
        var headers: [String: String] = [:]
        for field in request.headers {
            headers[field.name.canonicalName] = field.value
        }
        let elapsed = ContinuousClock.now - started
        let recorded = RecordedRequest(
            path: path, headers: headers, body: Data(buffer.readableBytesView),
            arrival: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        let index = withLock { records in
            records.recorded.append(recorded)
            records.inFlight += 1
            records.mostInFlight = max(records.mostInFlight, records.inFlight)
            return records.recorded.count - 1
        }
        defer { withLock { $0.inFlight -= 1 } }
        let action = index < script.count ? script[index] : decide(index, recorded)
        let valid = validBody(for: recorded, chat: chat)

        switch action {
        case .valid:
            return json(200, valid)
        case .rateLimit(let retryAfter):
            return json(429, errorBody("rate limited", type: "rate_limit_error"),
                        extra: retryAfter.map { [.retryAfter: $0] } ?? [:])
        case .status(let code, let message, let retryAfter):
            return json(code, errorBody(message, type: "server_error"),
                        extra: retryAfter.map { [.retryAfter: $0] } ?? [:])
        case .sleep(let seconds):
            // In short slices, so that `stop()` need not wait for the whole sleep.
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            while ContinuousClock.now < deadline, !withLock({ $0.stopping }) {
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            return json(200, valid)
        case .truncatedJSON:
            return json(200, Data(valid.prefix(valid.count / 2)))
        case .garbage:
            return json(200, Data("<html><body>502 Bad Gateway</body></html>".utf8))
        case .noChoices:
            return json(200, Data(#"{"id":"x","object":"text_completion","created":0,"model":"m","choices":[]}"#.utf8))
        }
    }

    private func validBody(for request: RecordedRequest, chat: Bool) -> Data {
        let text = completion(request.prompt ?? "")
        let usage = Usage(promptTokens: (request.prompt ?? "").count, completionTokens: text.count)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        if chat {
            let body = ChatResponseBody(
                id: "chat-1", created: 0, model: "fault",
                choices: [.init(index: 0, message: ChatMessage(role: "assistant", content: text),
                                finishReason: "stop")],
                usage: usage)
            return (try? encoder.encode(body)) ?? Data()
        }
        let body = CompletionResponseBody(
            id: "cmpl-1", created: 0, model: "fault",
            choices: [.init(index: 0, text: text, finishReason: "stop")], usage: usage)
        return (try? encoder.encode(body)) ?? Data()
    }

    private func errorBody(_ message: String, type: String) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(ErrorResponseBody(message: message, type: type))) ?? Data()
    }

    private func json(_ status: Int, _ body: Data, extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(contentsOf: extra)
        return Response(status: .init(code: status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
