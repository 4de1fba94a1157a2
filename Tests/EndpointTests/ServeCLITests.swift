import Foundation
import LemaTestSupport
import OpenAIWire
import Serve
import Testing
import TinyGPT

/// `lema serve` as a process: the listening line, answers, graceful stop on signals, and clear errors.
@Suite("lema serve: command line")
struct ServeCLITests {
    /// `lema serve: listening on http://127.0.0.1:PORT/v1 (model NAME)` → (base URL without /v1, model name).
    static func listening(_ stdout: String) -> (String, String)? {
        guard let line = stdout.split(separator: "\n").first(where: { $0.hasPrefix("lema serve: listening on ") }),
              let open = line.range(of: "http://"), let v1 = line.range(of: "/v1 (model "),
              line.hasSuffix(")") else { return nil }
        let name = line[v1.upperBound..<line.index(before: line.endIndex)]
        return (String(line[open.lowerBound..<v1.lowerBound]), String(name))
    }

    /// Starts `lema serve args…`, waits for its listening line and runs `body` with a client for it.
    static func withServeProcess(_ args: [String], in dir: URL,
                                 _ body: (ServeHarnessClient, String, CLI.Running) async throws -> Void) async throws {
        let process = try CLI.start(["serve"] + args, in: dir, tag: "serve")
        defer { if process.poll() == nil { process.killGroup() } }
        var found: (String, String)?
        let started = CLI.waitUntil(process) {
            found = listening(process.stdout)
            return found != nil
        }
        let (base, name) = try #require(found, "lema serve did not start (started: \(started)): \(process.stderr)")
        try await body(ServeHarnessClient(base: base), name, process)
    }

    @Test func servesACheckpointFileUntilSIGTERM() async throws {
        let local = try ServeFixture.completer()
        let expected = try local.complete(["the cat"], options: .greedy(maxTokens: 30), seeds: [0])[0]
        let file = try ServeFixture.checkpoint()
        try await CLI.withScratchAsync { dir in
            try await Self.withServeProcess([file.path, "--port", "0", "--model-name", "cli-tiny", "--batch", "2"],
                                            in: dir) { client, name, process in
                #expect(name == "cli-tiny")
                #expect(client.base.hasPrefix("http://127.0.0.1:"))
                let reply = try await client.completion(CompletionRequestBody(
                    model: "cli-tiny", prompt: "the cat", maxTokens: 30, temperature: 0))
                #expect(reply.choices.first?.text == expected.text)
                let reader = try await EventReader(base: client.base, path: "/v1/completions", json: """
                    {"model": "cli-tiny", "prompt": "the cat", "max_tokens": 30, "temperature": 0, "stream": true}
                    """)
                let streamed = try StreamedChunks<CompletionChunkBody>(try await reader.rest())
                #expect(streamed.endedWithDone)
                #expect(streamed.chunks.flatMap(\.choices).map(\.text).joined() == expected.text)
                let (status, data) = try await client.send("GET", "/v1/models")
                #expect(status == 200)
                #expect(try JSONDecoder().decode(ModelListBody.self, from: data).data.map(\.id) == ["cli-tiny"])
                process.signal(SIGTERM)
                #expect(process.wait() == 0, "\(process.stderr)")
                #expect(process.stdout.contains("lema serve: stopped"))
            }
        }
    }

    @Test func servesAFinishedTrainStageOfASpec() async throws {
        let spec = """
            name: served-stage
            seed: 5
            stages:
              problems:
                kind: dataset
                count: 60
                min_steps: 1
                max_steps: 1
              base:
                kind: train
                data: [problems.train]
                templates: compact
                tokenizer: char
                layers: 1
                d_model: 16
                heads: 2
                context: 64
                steps: 3
                batch_size: 4
                checkpoint_every: 1000
            """
        try await CLI.withScratchAsync { dir in
            let specFile = dir.appendingPathComponent("served.yaml")
            try CLI.write(spec, to: specFile)
            let notRun = try CLI.run(["serve", "--spec", specFile.path, "--stage", "base", "--runs-dir", "runs"], in: dir)
            #expect(notRun.code == 1)
            #expect(notRun.stderr.contains("has not run yet"), "\(notRun.stderr)")
            let run = try CLI.run(["run", specFile.path, "--runs-dir", "runs", "-q"], in: dir)
            try #require(run.code == 0, "\(run.stderr)")
            try await Self.withServeProcess(["--spec", specFile.path, "--stage", "base", "--runs-dir", "runs",
                                             "--port", "0"], in: dir) { client, name, process in
                #expect(name == "base")
                let reply = try await client.completion(CompletionRequestBody(
                    model: "base", prompt: "Question: 1 + 1", maxTokens: 5, temperature: 0))
                #expect(reply.choices.count == 1)
                #expect(reply.usage?.completionTokens ?? 0 >= 1)
                process.signal(SIGINT)
                #expect(process.wait() == 0, "\(process.stderr)")
            }
        }
    }

    struct BadCall: Sendable, CustomTestStringConvertible {
        var args: [String]
        var code: Int32
        var message: String
        var testDescription: String { args.joined(separator: " ") }
    }

    static let badCalls: [BadCall] = [
        BadCall(args: ["/nonexistent/model.safetensors"], code: 1, message: "no model file at '/nonexistent/model.safetensors'"),
        BadCall(args: ["corrupt.safetensors"], code: 1, message: "cannot load model"),
        BadCall(args: [], code: 64, message: "give a CHECKPOINT file"),
        BadCall(args: ["--spec", "x.yaml"], code: 64, message: "--spec needs --stage"),
        BadCall(args: ["m.safetensors", "--port", "70000"], code: 64, message: "--port must be in 0...65535"),
        BadCall(args: ["m.safetensors", "--batch", "0"], code: 64, message: "--batch must be at least 1"),
        BadCall(args: ["--spec", "missing.yaml", "--stage", "base"], code: 2, message: "no spec file at 'missing.yaml'"),
    ]

    @Test(arguments: badCalls)
    func badCallsFailWithAClearMessage(_ call: BadCall) throws {
        try CLI.withScratch { dir in
            try CLI.write("not a safetensors file", to: dir.appendingPathComponent("corrupt.safetensors"))
            let result = try CLI.run(["serve"] + call.args, in: dir)
            #expect(result.code == call.code)
            #expect(result.stderr.contains(call.message), "\(result.stderr)")
        }
    }

    @Test func aBusyPortIsReportedWithTheFix() async throws {
        let file = try ServeFixture.checkpoint()
        try await ServeHarness.with { harness in
            let port = try #require(harness.server.port)
            try CLI.withScratch { dir in
                let result = try CLI.run(["serve", file.path, "--port", "\(port)"], in: dir)
                #expect(result.code == 1)
                #expect(result.stderr.contains("cannot listen on 127.0.0.1:\(port)"), "\(result.stderr)")
                #expect(result.stderr.contains("--port"))
            }
        }
    }
}

/// A client for a server started elsewhere (a `lema serve` process).
struct ServeHarnessClient {
    let base: String

    func send(_ method: String, _ path: String, body: Data? = nil) async throws -> (Int, Data) {
        try await ServeHTTP.send(base: base, method, path, body: body)
    }

    func completion(_ body: CompletionRequestBody) async throws -> CompletionResponseBody {
        let (status, data) = try await send("POST", "/v1/completions", body: try JSONEncoder().encode(body))
        #expect(status == 200, "answered \(status): \(String(decoding: data, as: UTF8.self))")
        return try JSONDecoder().decode(CompletionResponseBody.self, from: data)
    }
}
