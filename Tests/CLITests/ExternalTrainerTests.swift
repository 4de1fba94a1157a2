import Engine
import Foundation
import LemaCore
import LemaTestSupport
import Testing

/// `train` with `backend: command`: the user's trainer gets the training set as JSONL, its output is streamed into
/// the log, and the directory it fills becomes the stage's `checkpoint` artifact.
@Suite(.serialized) struct ExternalTrainerTests {
    static func spec(command: String) -> String {
        """
        name: external
        seed: 2
        stages:
          problems:
            kind: dataset
            count: 50
            min_steps: 1
            max_steps: 1
          finetune:
            kind: train
            backend: command
            data: [problems.train]
            templates: compact
            lr: 0.0005
            epochs: 2
            args: {base: tiny-base}
            command: \(command)
        """
    }

    static func record(_ dir: URL, stage: String) throws -> NodeRecord? {
        let store = try RunState.store(dir, run: "external")
        defer { try? store.close() }
        return try store.nodeRecords().values.first { $0.stage == stage && $0.status == .succeeded }
    }

    @Test func runsTheTrainerOnTheExportedDataAndRecordsItsCheckpoint() throws {
        try CLI.withScratch { dir in
            // The trainer: counts the examples, echoes its hyper-parameters, and writes a "checkpoint".
            let script = "n=$(wc -l < \"$1\"); echo \"step 1 loss 0.5 lr=$3 epochs=$4 base=$5\"; "
                + "echo \"examples $n\" > \"$2/weights.txt\"; echo \"done\" >&2"
            let command = "[sh, -c, '\(script)', trainer, '{data}', '{out}', '{lr}', '{epochs}', '{args.base}']"
            try CLI.write(Self.spec(command: command), to: dir.appendingPathComponent("external.yaml"))
            let result = try CLI.run(["run", "external.yaml", "--runs-dir", "runs", "-q"], in: dir)
            try #require(result.code == 0, "\(result.stderr)")

            let problems = try #require(try Self.record(dir, stage: "problems"))
            let train = try #require(problems.summary["train"]?.intValue)
            let finetune = try #require(try Self.record(dir, stage: "finetune"))
            #expect(finetune.summary["examples"]?.intValue == train)
            let run = dir.appendingPathComponent("runs/external")
            let data = CLI.lines(run.appendingPathComponent(try #require(finetune.artifacts["data"])))
            #expect(data.count == train)
            #expect(data.allSatisfy { $0.contains("\"prompt\":") && $0.contains("\"target\":") })
            let checkpoint = run.appendingPathComponent(try #require(finetune.artifacts["checkpoint"]))
            #expect(CLI.read(checkpoint.appendingPathComponent("weights.txt")) == "examples \(train)\n")
            let log = CLI.read(run.appendingPathComponent(try #require(finetune.artifacts["log"])))
            #expect(log.contains("step 1 loss 0.5 lr=0.0005 epochs=2 base=tiny-base"), "\(log)")
            #expect(log.contains("done"))
            // Streamed into the node's log (the store's event log) line by line.
            let store = try RunState.store(dir, run: "external")
            defer { try? store.close() }
            let events = try store.events(node: finetune.id, limit: 100).map(\.message)
            #expect(events.contains("trainer: step 1 loss 0.5 lr=0.0005 epochs=2 base=tiny-base"), "\(events)")
        }
    }

    @Test(arguments: [
        ("[sh, -c, 'echo oops >&2; exit 3']", "failed (exit code 3); last lines of stderr:\noops"),
        ("[sh, -c, 'echo nothing']", "exited 0 but wrote nothing into {out}"),
        ("[sh, -c, 'true', '{args.missing}']", "placeholder {args.missing} has no value in `args` (it has: base)"),
    ])
    func failuresSayWhatWentWrong(command: String, message: String) throws {
        try CLI.withScratch { dir in
            try CLI.write(Self.spec(command: command), to: dir.appendingPathComponent("external.yaml"))
            let result = try CLI.run(["run", "external.yaml", "--runs-dir", "runs", "-q"], in: dir)
            #expect(result.code == 1)
            #expect((result.stdout + result.stderr).contains(message), "\(result.stdout)\(result.stderr)")
        }
    }

    @Test func commandBackendWithoutACommandIsASpecError() throws {
        try CLI.withScratch { dir in
            let text = Self.spec(command: "[]")
            try CLI.write(text, to: dir.appendingPathComponent("external.yaml"))
            let result = try CLI.run(["run", "external.yaml", "--runs-dir", "runs", "-q"], in: dir)
            #expect(result.code == 2)
            #expect(result.stderr.contains("`backend: command` needs `command:`"), "\(result.stderr)")
        }
    }
}

/// Endpoint settings are checked with the rest of the spec: every problem at its stage's line, nothing run.
@Suite struct EndpointSpecErrorTests {
    @Test func badEndpointSettingsAreSpecErrors() throws {
        try CLI.withScratch { dir in
            try CLI.write("""
                name: bad
                stages:
                  problems: {kind: dataset, count: 20}
                  sample:
                    kind: sample
                    questions: problems
                    endpoint:
                      base_ur: http://127.0.0.1:8000/v1
                      model: m
                      timeout: -1
                  both:
                    kind: sample
                    questions: problems
                    model: problems
                    endpoint: {base_url: "http://x/v1", model: m}
                  fix:
                    kind: correct
                    input: sample
                    problems: problems
                    corrector: llm
                """, to: dir.appendingPathComponent("bad.yaml"))
            let result = try CLI.run(["run", "bad.yaml", "--runs-dir", "runs"], in: dir)
            #expect(result.code == 2)
            let lines = result.stderr.split(separator: "\n").map(String.init)
            let expected = [
                "bad.yaml:8:7: error: invalid 'endpoint' in stage 'sample': endpoint: unknown key `base_ur`; did you mean `base_url`?",
                "bad.yaml:8:7: error: invalid 'endpoint' in stage 'sample': endpoint: missing `base_url`",
                "bad.yaml:8:7: error: invalid 'endpoint' in stage 'sample': endpoint.timeout: expected a positive number of seconds, got -1",
                "bad.yaml:15:15: error: invalid 'endpoint' in stage 'both': give either `model` (in-process) or `endpoint`, not both",
                "bad.yaml:16:3: error: invalid 'endpoint' in stage 'fix': `corrector: llm` needs an `endpoint`",
            ]
            for prefix in expected {
                #expect(lines.contains { $0.hasPrefix(prefix) }, "missing: \(prefix)\n\(result.stderr)")
            }
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("runs/bad/nodes").path))
        }
    }
}
