import Foundation
import OpenAIWire
import Serve
import Testing
import TinyGPT

/// Bad requests get `ErrorResponseBody` JSON with the right status and a message naming the field at fault.
@Suite("lema serve: request errors")
struct ServeRequestErrorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var path = "/v1/completions"
        var body: String
        var status = 400
        /// Fragments the message must contain.
        var message: [String]
        var testDescription: String { "\(path) \(body)" }
    }

    static let cases: [Case] = [
        Case(body: "{\"prompt\": \"a\"", message: ["not valid JSON"]),
        Case(body: "[1, 2]", message: ["must be a JSON object"]),
        Case(body: "", message: ["body is empty"]),
        Case(body: "{\"max_tokens\": 4}", message: ["'prompt'", "required"]),
        Case(body: "{\"prompt\": 3}", message: ["'prompt'", "string or an array of strings"]),
        Case(body: "{\"prompt\": []}", message: ["'prompt'", "empty"]),
        Case(body: "{\"prompt\": \"a\", \"max_tokens\": \"ten\"}", message: ["'max_tokens'", "integer"]),
        Case(body: "{\"prompt\": \"a\", \"max_tokens\": -1}", message: ["'max_tokens'", "≥ 0"]),
        Case(body: "{\"prompt\": \"a\", \"temperature\": -0.5}", message: ["'temperature'", "≥ 0"]),
        Case(body: "{\"prompt\": \"a\", \"top_p\": 1.5}", message: ["'top_p'", "(0, 1]"]),
        Case(body: "{\"prompt\": \"a\", \"n\": 0}", message: ["'n'", "between 1 and 16"]),
        Case(body: "{\"prompt\": [\"a\", \"b\", \"c\", \"d\", \"e\"], \"n\": 16}", message: ["80 rows", "at most 64"]),
        Case(body: "{\"prompt\": \"a\", \"stop\": 5}", message: ["'stop'", "string or an array"]),
        Case(body: "{\"prompt\": \"a\", \"seed\": \"x\"}", message: ["'seed'", "integer"]),
        Case(body: "{\"prompt\": \"a\", \"stream\": \"yes\"}", message: ["'stream'", "true or false"]),
        Case(body: "{\"prompt\": \"a\", \"stream\": true, \"stream_options\": true}",
             message: ["'stream_options'", "include_usage"]),
        Case(body: "{\"prompt\": \"a\", \"echo\": true}", message: ["'echo'", "not supported"]),
        Case(body: "{\"prompt\": \"a\", \"logprobs\": -2}", message: ["'logprobs'"]),
        Case(body: "{\"prompt\": \"a\", \"model\": \"gpt-4\"}", status: 404, message: ["'gpt-4'", "'tiny'"]),
        Case(path: "/v1/chat/completions", body: "{\"model\": \"tiny\"}", message: ["'messages'", "required"]),
        Case(path: "/v1/chat/completions", body: "{\"messages\": [{\"role\": \"user\"}]}",
             message: ["'messages'", "content"]),
        Case(path: "/v1/chat/completions", body: "{\"messages\": []}", message: ["'messages'", "at least one"]),
        Case(path: "/v1/nothing", body: "{}", status: 404, message: ["no route", "/v1/nothing", "/v1/completions"]),
    ]

    @Test(arguments: cases)
    func answersWithJSONErrorNamingTheField(_ testCase: Case) async throws {
        try await ServeHarness.with { harness in
            let (status, data) = try await harness.post(testCase.path, json: testCase.body)
            #expect(status == testCase.status)
            let error = try JSONDecoder().decode(ErrorResponseBody.self, from: data)
            for fragment in testCase.message {
                #expect(error.error.message.contains(fragment), "\(error.error.message)")
            }
        }
    }

    @Test func oversizedBodyIs413() async throws {
        try await ServeHarness.with({ $0.maxBodyBytes = 2_000 }) { harness in
            let prompt = String(repeating: "a", count: 5_000)
            let (status, data) = try await harness.post("/v1/completions", json: "{\"prompt\": \"\(prompt)\"}")
            #expect(status == 413)
            let error = try JSONDecoder().decode(ErrorResponseBody.self, from: data)
            #expect(error.error.message.contains("2000 bytes"))
        }
    }

    @Test func serverStillAnswersAfterErrors() async throws {
        try await ServeHarness.with { harness in
            _ = try await harness.post("/v1/completions", json: "{nonsense")
            let reply = try await harness.completion(CompletionRequestBody(model: "tiny", prompt: "the", maxTokens: 2,
                                                                           temperature: 0))
            #expect(reply.choices.count == 1)
            _ = try await harness.send("GET", "/v1/models")
            #expect(harness.server.generationRequests == 2)
        }
    }

    @Test func secondServerOnABusyPortFailsClearly() async throws {
        try await ServeHarness.with { harness in
            let port = try #require(harness.server.port)
            let second = ModelServer(model: try ServedModel.load(contentsOf: try ServeFixture.checkpoint()),
                                     configuration: ServeConfiguration(host: "127.0.0.1", port: port))
            do {
                try await second.start()
                await second.stop()
                Issue.record("a second server started on busy port \(port)")
            } catch {
                #expect("\(error)".contains("already in use"), "\(error)")
                #expect("\(error)".contains("\(port)"))
            }
            await second.stop()
        }
    }

    @Test func missingAndCorruptCheckpointsNameTheFile() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/dir/model.safetensors")
        #expect(throws: ServeError.self) { try ServedModel.load(contentsOf: missing) }
        do {
            _ = try ServedModel.load(contentsOf: missing)
        } catch {
            #expect(error.description.contains("/nonexistent/dir/model.safetensors"))
        }
        let corrupt = FileManager.default.temporaryDirectory.appendingPathComponent("lema-serve-corrupt-\(UUID()).safetensors")
        try Data("not a safetensors file".utf8).write(to: corrupt)
        defer { try? FileManager.default.removeItem(at: corrupt) }
        do {
            _ = try ServedModel.load(contentsOf: corrupt)
            Issue.record("a corrupt file loaded")
        } catch {
            #expect(error.description.contains("cannot load model"))
            #expect(error.description.contains(corrupt.path))
        }
    }

    @Test func defaultModelNames() {
        #expect(ServedModel.defaultName(for: URL(fileURLWithPath: "/r/best.safetensors")) == "best")
        #expect(ServedModel.defaultName(for: URL(fileURLWithPath: "/r/train/model.safetensors")) == "train")
        #expect(ServedModel.defaultName(for: URL(fileURLWithPath: "/r/nodes/train-0123456789ab/model.safetensors"))
            == "train")
        #expect(ServedModel.defaultName(for: URL(fileURLWithPath: "/r/nodes/t-0123456789ab/ckpt_200.safetensors"))
            == "t/ckpt_200")
    }
}
