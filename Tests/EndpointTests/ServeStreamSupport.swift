import AsyncHTTPClient
import Foundation
import NIOCore
import OpenAIWire
import Testing

/// A streamed response read one server-sent event at a time, as its bytes arrive.
final class EventReader {
    let status: Int
    let contentType: String?
    private var iterator: HTTPClientResponse.Body.AsyncIterator
    private var pending: [UInt8] = []

    /// POSTs `json` and returns once the response head has arrived (the body is not read yet).
    init(base: String, path: String, json: String, client: HTTPClient = .shared) async throws {
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await client.execute(request, timeout: .seconds(60))
        status = Int(response.status.code)
        contentType = response.headers.first(name: "Content-Type")
        iterator = response.body.makeAsyncIterator()
    }

    /// The `data` of the next event; nil when the body ended.
    func next() async throws -> String? {
        while true {
            if let end = Self.eventEnd(in: pending) {
                let event = String(decoding: pending[..<end], as: UTF8.self)
                pending.removeFirst(end + 2)
                let data = event.split(separator: "\n").filter { $0.hasPrefix("data: ") }.map { $0.dropFirst(6) }
                return data.joined(separator: "\n")
            }
            guard let buffer = try await iterator.next() else {
                #expect(pending.isEmpty, "the body ended inside an event: \(String(decoding: pending, as: UTF8.self))")
                return nil
            }
            pending += buffer.readableBytesView
        }
    }

    /// Every remaining event's data.
    func rest() async throws -> [String] {
        var events: [String] = []
        while let event = try await next() { events.append(event) }
        return events
    }

    private static func eventEnd(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2 else { return nil }
        return (0..<(bytes.count - 1)).first { bytes[$0] == 10 && bytes[$0 + 1] == 10 }
    }
}

/// The chunks of a streamed answer, checked for the shape every OpenAI client relies on.
struct StreamedChunks<Chunk: Decodable> {
    var chunks: [Chunk] = []
    /// The last event was `[DONE]` and nothing followed it.
    var endedWithDone = false

    init(_ events: [String]) throws {
        for (i, event) in events.enumerated() {
            if event == "[DONE]" {
                endedWithDone = i == events.count - 1
                break
            }
            chunks.append(try JSONDecoder().decode(Chunk.self, from: Data(event.utf8)))
        }
    }
}

/// Blocks the generation thread after each streamed token until the test lets it go on: chunks can then be read
/// while the server is known to be in the middle of a completion.
final class TokenGate: @unchecked Sendable {
    // Safe: the counters are only touched under `condition`.
    private let condition = NSCondition()
    private var allowed: Int
    private var passed = 0
    private var isOpen = false

    /// - Parameter allowed: tokens that pass before the gate holds
    init(allowed: Int) { self.allowed = allowed }

    /// The hook: called on the generation thread after each streamed token.
    func pass() {
        condition.lock()
        passed += 1
        while !isOpen && passed >= allowed { condition.wait() }
        condition.unlock()
    }

    /// Lets `count` more tokens be generated.
    func allow(_ count: Int) {
        condition.lock()
        allowed += count
        condition.broadcast()
        condition.unlock()
    }

    /// Stops holding (always call before stopping the server: it waits for generation).
    func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }

    /// Tokens generated so far.
    var tokens: Int {
        condition.lock()
        defer { condition.unlock() }
        return passed
    }

    /// Waits until the generation thread holds after `count` tokens (polling; fails after `seconds`).
    func waitUntilHolding(after count: Int, seconds: Double = 20) async throws {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while tokens < count {
            guard Date() < deadline else {
                Issue.record("generation did not reach token \(count) (at \(tokens))")
                return
            }
            try await Task.sleep(nanoseconds: 1_000_000)
        }
    }
}
