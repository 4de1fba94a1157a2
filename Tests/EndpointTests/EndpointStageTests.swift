import Endpoint
import Engine
import Foundation
import LemaCore
import LemaTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Model-facing stages against a scripted loopback server, run by the built `lema` (issue 6, "must be shown" 2 and 3).
@Suite(.serialized) struct EndpointStageTests {
    static let secret = "sk-lema-test-0123456789-SECRET"
    static let wrongSolution = "Step 1: 1 + 1 = 3.\nStep 2: The answer is 3."
    static let correction = " Step 1.\nExplanation: 1 + 1 is 2, not 3.\nCorrect Solution: {\nStep 1: 1 + 1 = 2.\nStep 2: The answer is 2.\n}"

    /// `lema run` on a Dispatch thread: the test's cooperative threads stay free for the in-process server.
    static func lema(_ args: [String], in dir: URL, env: [String: String] = [:]) async throws -> CLI.Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try CLI.run(args, in: dir, env: env) })
            }
        }
    }

    static let faultSpec = """
        name: faults
        seed: 5
        params:
          url: http://127.0.0.1:9/v1
        stages:
          problems:
            kind: dataset
            count: 40
            min_steps: 1
            max_steps: 1
          sample:
            kind: sample
            endpoint:
              base_url: ${params.url}
              model: sampler
              api_key_env: LEMA_TEST_API_KEY
              timeout: 2
              retries: 8
              backoff_base: 0.01
              backoff_max: 0.05
              max_concurrent: 4
              price: {prompt_per_million: 2.0, completion_per_million: 4.0}
            questions: problems.train
            k: 2
            temperature: 0.7
            max_tokens: 40
            batch: 8
        """

    /// 429 with Retry-After, 500, 503, a response slower than the timeout, truncated JSON, garbage and a body
    /// without choices: the stage finishes with every item done once, each fault counted, each successful response
    /// cached once, and the API key nowhere in the run's files.
    @Test func faultsAreRetriedCountedAndCachedOnce() async throws {
        let script: [FaultAction] = [
            .rateLimit(retryAfter: "1"), .status(500, message: "boom"), .sleep(seconds: 3.0), .truncatedJSON,
            .garbage, .noChoices, .status(503, message: "overloaded", retryAfter: "0"),
        ]
        let server = try await FaultServer.start(script: script, completion: { _ in Self.wrongSolution })
        try await CLI.withScratchAsync { dir in
            let spec = dir.appendingPathComponent("faults.yaml")
            try CLI.write(Self.faultSpec, to: spec)
            let result = try await Self.lema(["run", spec.path, "--runs-dir", "runs", "--set", "params.url=\(server.baseURL)",
                                              "--progress", "plain"], in: dir, env: ["LEMA_TEST_API_KEY": Self.secret])
            await server.stop()
            #expect(result.code == 0, "\(result.stderr)")

            let s = try RunState.summaries(dir, run: "faults")
            let train = try #require(s["problems"]?["train"]?.intValue)
            let sample = try #require(s["sample"])
            #expect(sample["sampled"]?.intValue == 2 * train)
            #expect(sample["rate_limited"]?.intValue == 1)
            #expect(sample["server_errors"]?.intValue == 2)
            #expect(sample["timeouts"]?.intValue == 1)
            #expect(sample["malformed"]?.intValue == 3)
            #expect(sample["failed_calls"]?.intValue == 0)
            // Every item exactly once in the output, in order, each from its own request.
            let samples = CLI.lines(try Self.artifact(dir, run: "faults", stage: "sample", file: "samples.jsonl"))
            let ids = samples.compactMap { line -> String? in
                guard case .object(let o) = try? JSONValue.parse(Data(line.utf8)) else { return nil }
                return "\(o["problem_id"]?.stringValue ?? "")#\(o["sample"]?.intValue ?? -1)"
            }
            #expect(ids.count == 2 * train && Set(ids).count == 2 * train)
            // Each successful response cached once: one entry per distinct request.
            #expect(try RunState.cachedKeys(dir, run: "faults").count == 2 * train)
            // The key went to the server and nowhere else.
            let requests = server.requests()
            #expect(requests.allSatisfy { $0.headers["authorization"] == "Bearer \(Self.secret)" })
            #expect(requests.count >= 2 * train + script.count)
            let leaks = CLI.tree(dir).filter { $0.value.range(of: Data(Self.secret.utf8)) != nil }.keys
            #expect(leaks.isEmpty, "the API key was written to \(leaks.sorted())")
            for suffix in ["", "-wal"] {
                let db = dir.appendingPathComponent("runs/faults/state.sqlite" + suffix)
                let bytes = (try? Data(contentsOf: db)) ?? Data()
                #expect(bytes.range(of: Data(Self.secret.utf8)) == nil, "key found in state.sqlite\(suffix)")
            }
            #expect(!result.stdout.contains(Self.secret) && !result.stderr.contains(Self.secret))

            // `lema status` lists the stage's responses, tokens and estimated cost (price × tokens from the store).
            let store = try RunState.store(dir, run: "faults")
            let usage = try store.responseUsage().values.first
            try store.close()
            let u = try #require(usage)
            #expect(u.responses == 2 * train)
            let cost = (Double(u.promptTokens) * 2 + Double(u.completionTokens) * 4) / 1_000_000
            let status = try await Self.lema(["status", spec.path, "--runs-dir", "runs", "--set", "params.url=\(server.baseURL)"],
                                             in: dir)
            #expect(status.stdout.contains("model endpoints"), "\(status.stdout)")
            #expect(status.stdout.contains(String(format: "estimated cost: $%.4f", cost)), "\(status.stdout)")
            #expect(sample["cost_usd"]?.doubleValue.map { abs($0 - cost) < 1e-12 } == true, "\(sample)")
            #expect(sample["prompt_tokens"]?.intValue == u.promptTokens)
        }
    }

    static let correctSpec = """
        name: killed
        seed: 9
        params:
          url: http://127.0.0.1:9/v1
        stages:
          problems:
            kind: dataset
            count: 150
            min_steps: 1
            max_steps: 1
            train: 1.0
            dev: 0.0
            test: 0.0
          sample:
            kind: sample
            endpoint: {base_url: "${params.url}", model: sampler, max_concurrent: 8}
            questions: problems.train
            k: 1
            temperature: 0
            max_tokens: 40
          mistakes:
            kind: filter
            input: sample
            keep: wrong
          correct:
            kind: correct
            corrector: llm
            endpoint: {base_url: "${params.url}", model: corrector, max_concurrent: 2}
            input: mistakes
            problems: problems.train
            chunk: 4
        """

    /// SIGKILL in the middle of an LLM `correct` stage, then run again: no request whose response was cached before
    /// the kill reaches the server again, and every mistake ends with exactly one cached correction.
    @Test func killDuringCorrectNeverResendsACachedRequest() async throws {
        let isCorrection: @Sendable (RecordedRequest) -> Bool = { $0.prompt?.hasSuffix("Incorrect Step:") == true }
        let server = try await FaultServer.start(
            decide: { _, request in isCorrection(request) ? .sleep(seconds: 0.02) : .valid },
            completion: { prompt in prompt.hasSuffix("Incorrect Step:") ? Self.correction : Self.wrongSolution })
        try await CLI.withScratchAsync { dir in
            let spec = dir.appendingPathComponent("killed.yaml")
            try CLI.write(Self.correctSpec, to: spec)
            let args = ["run", spec.path, "--runs-dir", "runs", "--set", "params.url=\(server.baseURL)", "-q"]

            let first = try CLI.start(args, in: dir)
            let reached = await Task.detached {
                CLI.waitUntil(first) { server.requests().filter(isCorrection).count >= 30 }
            }.value
            first.killGroup()
            #expect(reached, "the run ended before 30 correction requests: \(first.stderr)")
            let cachedBeforeRerun = try RunState.cachedKeys(dir, run: "killed")
            let seenBeforeRerun = server.requests().count

            let second = try await Self.lema(args, in: dir)
            await server.stop()
            #expect(second.code == 0, "\(second.stderr)")
            let rerun = Array(server.requests().dropFirst(seenBeforeRerun))
            let url = server.baseURL + "/completions"
            let resent = rerun.filter { request in
                let key = EndpointClient.cacheKey(endpoint: url, model: isCorrection(request) ? "corrector" : "sampler",
                                                  body: request.body, sampleIndex: 0)
                return cachedBeforeRerun.contains(key)
            }
            #expect(resent.isEmpty, "\(resent.count) cached requests were sent again")
            #expect(rerun.contains(where: isCorrection), "the kill came after the stage had finished")
            let s = try RunState.summaries(dir, run: "killed")
            let mistakes = try #require(s["correct"]?["mistakes"]?.intValue)
            #expect(mistakes > 30)
            let outcomes = ["kept", "rejected", "unparseable_output"].map { s["correct"]?[$0]?.intValue ?? 0 }
            #expect(outcomes.reduce(0, +) == mistakes, "\(s["correct"] ?? [:])")
            // One cached response per sampled question and per mistake: nothing fetched twice.
            let questions = try #require(s["problems"]?["train"]?.intValue)
            #expect(try RunState.cachedKeys(dir, run: "killed").count == questions + mistakes)
        }
    }

    /// An LLM corrector whose first answer to every prompt is not a correction: each is counted as unparseable and
    /// retried (another sample index, so another request and cache entry); without retries the items are rejected.
    @Test(arguments: [1, 0])
    func unparseableCorrectionsAreCountedAndRetried(retries: Int) async throws {
        let seen = PromptCounter()
        let server = try await FaultServer.start(completion: { prompt in
            guard prompt.hasSuffix("Incorrect Step:") else { return Self.wrongSolution }
            return seen.count(prompt) == 1 ? " Looks fine to me!" : Self.correction
        })
        try await CLI.withScratchAsync { dir in
            let spec = Self.correctSpec.replacingOccurrences(of: "count: 150", with: "count: 30")
                .replacingOccurrences(of: "chunk: 4", with: "chunk: 4\n    unparseable_retries: \(retries)")
            try CLI.write(spec, to: dir.appendingPathComponent("killed.yaml"))
            let result = try await Self.lema(["run", "killed.yaml", "--runs-dir", "runs", "--set",
                                              "params.url=\(server.baseURL)", "-q"], in: dir)
            await server.stop()
            #expect(result.code == 0, "\(result.stderr)")
            let correct = try #require(try RunState.summaries(dir, run: "killed")["correct"])
            let mistakes = try #require(correct["mistakes"]?.intValue)
            #expect(mistakes > 0)
            #expect(correct["unparseable_outputs"]?.intValue == mistakes)
            if retries == 0 {
                #expect(correct["unparseable_output"]?.intValue == mistakes)
            } else {
                #expect((correct["kept"]?.intValue ?? 0) + (correct["rejected"]?.intValue ?? 0) == mistakes)
                #expect(correct["unparseable_output"]?.intValue ?? 0 == 0)
            }
        }
    }

    /// A file of a stage's node directory.
    static func artifact(_ dir: URL, run: String, stage: String, file: String) throws -> URL {
        let nodes = dir.appendingPathComponent("runs/\(run)/nodes")
        let folder = try #require(try FileManager.default.contentsOfDirectory(atPath: nodes.path)
            .first { $0.hasPrefix(stage + "-") })
        return nodes.appendingPathComponent(folder).appendingPathComponent(file)
    }
}

/// Counts how often each prompt was seen (thread-safe: the server answers concurrently).
final class PromptCounter: @unchecked Sendable {
    private var counts: [String: Int] = [:]
    private let lock = NSLock()

    func count(_ prompt: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        counts[prompt, default: 0] += 1
        return counts[prompt] ?? 0
    }
}
