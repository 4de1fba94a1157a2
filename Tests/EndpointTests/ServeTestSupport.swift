import AsyncHTTPClient
import Foundation
import LemaCore
import NIOCore
import OpenAIWire
import Serve
import Testing
import TinyGPT

/// A tiny character-level model trained for a few hundred steps on a handful of sentences, so that greedy
/// decoding produces varied, sentence-like text that ends with the end token. Built once per test process.
enum ServeFixture {
    static let sentences = [
        "the cat sat on the mat.", "one two three four five six.", "a b c d e f g h i j k.",
        "red green blue, red green blue.", "we serve a tiny model.",
    ]
    static let config = GPTConfig(vocabSize: 0, contextLength: 48, layers: 1, dModel: 32, heads: 2)

    private static let built: Result<URL, any Error> = Result { try build() }

    /// The weights file (as a train stage writes it).
    static func checkpoint() throws -> URL { try built.get() }

    /// A fresh in-process copy of the model (a GPT serves one caller at a time).
    static func completer() throws -> TextCompleter {
        let served = try ServedModel.load(contentsOf: try checkpoint())
        return TextCompleter(model: served.model, tokenizer: served.tokenizer, threads: 1)
    }

    private static func build() throws -> URL {
        let tokenizer = CharTokenizer(trainingTexts: sentences)
        var config = config
        config.vocabSize = tokenizer.vocabularySize
        let trainer = try Trainer(config: config, optimizer: AdamWConfig(schedule: .constant(3e-3), weightDecay: 0),
                                  seed: 7, threads: 1)
        let rows = sentences.map { [tokenizer.bos] + tokenizer.encode($0) + [tokenizer.eos] }
        let T = rows.map(\.count).max()! - 1
        for _ in 0..<300 {
            var tokens: [Int32] = [], targets: [Int32] = [], mask: [Float] = []
            for _ in 0..<8 {
                let row = rows[trainer.rng.nextInt(below: rows.count)]
                let padded = row + [Int32](repeating: tokenizer.pad, count: T + 1 - row.count)  // (T+1)
                tokens += padded[0..<T]
                targets += padded[1...]
                mask += (0..<T).map { $0 < row.count - 1 ? 1 : 0 }
            }
            _ = try trainer.step(batch: Batch(tokens: tokens, targets: targets, lossMask: mask, batchSize: 8, length: T))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let weights = TrainingCheckpoint(
            step: 300, configJSON: String(decoding: try encoder.encode(config), as: UTF8.self),
            tokenizerJSON: try tokenizer.jsonString(),
            weights: NamedTensor.slices(of: trainer.model.parameters, layout: trainer.model.namedTensors()),
            optimizerMoments: nil, rngState: [], dataCursorJSON: "")
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("lema-serve-tests-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("tiny.safetensors")
        try weights.writeWeights(to: file)
        return file
    }
}

/// A running server on 127.0.0.1:0 and a client for it.
struct ServeHarness {
    let server: ModelServer
    let base: String

    /// Serves the fixture model for the duration of `body`, then stops the server.
    static func with<T>(_ configure: (inout ServeConfiguration) -> Void = { _ in },
                        _ body: (ServeHarness) async throws -> T) async throws -> T {
        var configuration = ServeConfiguration(host: "127.0.0.1", port: 0)
        configure(&configuration)
        let server = ModelServer(model: try ServedModel.load(contentsOf: try ServeFixture.checkpoint()),
                                 configuration: configuration)
        let port = try await server.start()
        let harness = ServeHarness(server: server, base: "http://127.0.0.1:\(port)")
        do {
            let result = try await body(harness)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Sends a request and returns (status, body bytes).
    func send(_ method: String, _ path: String, body: Data? = nil) async throws -> (Int, Data) {
        try await ServeHTTP.send(base: base, method, path, body: body)
    }

    /// POSTs a JSON object given as text.
    func post(_ path: String, json: String) async throws -> (Int, Data) {
        try await send("POST", path, body: Data(json.utf8))
    }

    /// POSTs an encodable body and decodes a 200 response.
    func post<Body: Encodable, Reply: Decodable>(_ path: String, _ body: Body, as: Reply.Type) async throws -> Reply {
        let (status, data) = try await send("POST", path, body: try JSONEncoder().encode(body))
        #expect(status == 200, "\(path) answered \(status): \(String(decoding: data, as: UTF8.self))")
        return try JSONDecoder().decode(Reply.self, from: data)
    }

    func completion(_ body: CompletionRequestBody) async throws -> CompletionResponseBody {
        try await post("/v1/completions", body, as: CompletionResponseBody.self)
    }
}

/// Loopback HTTP with AsyncHTTPClient.
enum ServeHTTP {
    /// A string as a JSON literal.
    static func quoted(_ text: String) throws -> String {
        String(decoding: try JSONEncoder().encode(text), as: UTF8.self)
    }

    static func send(base: String, _ method: String, _ path: String, body: Data?) async throws -> (Int, Data) {
        var request = HTTPClientRequest(url: base + path)
        request.method = .init(rawValue: method)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        return (Int(response.status.code), Data(bytes.readableBytesView))
    }
}
