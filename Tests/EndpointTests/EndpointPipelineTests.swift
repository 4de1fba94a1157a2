import Engine
import Foundation
import LemaCore
import LemaTestSupport
import Testing

/// A small pipeline evaluated in-process and through `lema serve` on loopback: the same checkpoint with greedy
/// decoding gives the same answers, hence the same pass@1 (issue 6, "must be shown" 1).
@Suite(.serialized) struct EndpointPipelineTests {
    static let spec = """
        name: served
        seed: 3
        params:
          url: http://127.0.0.1:9/v1
        stages:
          problems:
            kind: dataset
            count: 240
            min_steps: 1
            max_steps: 1
            operand_max: 9
            max_value: 50
          base:
            kind: train
            data: [problems.train]
            templates: compact
            tokenizer: char
            layers: 1
            d_model: 32
            heads: 2
            context: 96
            steps: 80
            batch_size: 16
            lr: 0.003
            warmup: 10
            checkpoint_every: 1000
          local_eval:
            kind: evaluate
            model: base
            questions: problems.test
            templates: compact
            max_tokens: 40
            batch: 8
          endpoint_eval:
            kind: evaluate
            endpoint: {base_url: "${params.url}", model: tiny, max_concurrent: 4, timeout: 30}
            after: [base]
            questions: problems.test
            templates: compact
            max_tokens: 40
            batch: 8
        """

    @Test func servedCheckpointGivesTheInProcessPassAt1() throws {
        try CLI.withScratch { dir in
            let specFile = dir.appendingPathComponent("served.yaml")
            try CLI.write(Self.spec, to: specFile)
            let first = try CLI.run(["run", specFile.path, "--runs-dir", "runs", "--only", "local_eval", "-q"], in: dir)
            try #require(first.code == 0, "\(first.stderr)")

            let model = try #require(try Self.modelFile(dir, stage: "base"))
            let server = try CLI.start(["serve", model.path, "--port", "0", "--model-name", "tiny"], in: dir, tag: "serve")
            defer { server.killGroup() }
            var url: String?
            #expect(CLI.waitUntil(server) {
                url = ServeCLITests.listening(server.stdout).map { $0.0 + "/v1" }
                return url != nil
            }, "lema serve did not start: \(server.stderr)")
            let base = try #require(url)

            let second = try CLI.run(["run", specFile.path, "--runs-dir", "runs", "--set", "params.url=\(base)", "-q"],
                                     in: dir)
            try #require(second.code == 0, "\(second.stderr)")
            let s = try RunState.summaries(dir, run: "served")
            let local = try #require(s["local_eval"]), remote = try #require(s["endpoint_eval"])
            #expect((local["n"]?.intValue ?? 0) > 0)
            #expect(remote["n"] == local["n"])
            #expect(remote["accuracy"] == local["accuracy"], "local \(local) vs endpoint \(remote)")
            #expect(remote["requests_sent"]?.intValue == remote["n"]?.intValue)
            // Not just the same score: the same text for every question.
            let localTexts = try Self.texts(dir, spec: specFile, stage: "local_eval", url: base)
            let remoteTexts = try Self.texts(dir, spec: specFile, stage: "endpoint_eval", url: base)
            #expect(localTexts.count == local["n"]?.intValue)
            #expect(remoteTexts == localTexts)
        }
    }

    /// The `model` artifact of a finished train stage (artifact paths are relative to the run directory).
    static func modelFile(_ dir: URL, stage: String) throws -> URL? {
        let store = try RunState.store(dir, run: "served")
        defer { try? store.close() }
        let record = try store.nodeRecords().values.first { $0.stage == stage && $0.artifacts["model"] != nil }
        return record?.artifacts["model"].map { dir.appendingPathComponent("runs/served").appendingPathComponent($0) }
    }

    /// problem_id → generated text, from the stage's predictions.
    static func texts(_ dir: URL, spec: URL, stage: String, url: String) throws -> [String: String] {
        let result = try CLI.run(["export", spec.path, stage, "--runs-dir", "runs", "--set", "params.url=\(url)"], in: dir)
        var out: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
            guard case .object(let o) = try JSONValue.parse(Data(line.utf8)),
                  let id = o["problem_id"]?.stringValue, let text = o["text"]?.stringValue else { continue }
            out[id] = text
        }
        return out
    }
}
