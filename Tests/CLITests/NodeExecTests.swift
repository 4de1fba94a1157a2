import Foundation
import LemaCore
import LemaTestSupport
import Slurm
import StageAPI
import Testing
@testable import Engine

/// `lema node-exec NODE_DIR`: one node run from its job.json, writing its journal (what a cluster job runs).
@Suite("lema node-exec")
struct NodeExecTests {
    /// job.json for a `command` node (parameters resolved with their defaults, as the controller writes them).
    static func writeJob(_ dir: URL, argv: [String]) throws -> JobSpec {
        let params: [String: JSONValue] = ["argv": .array(argv.map(JSONValue.string)), "inputs": .array([]),
                                           "env": .object([:]), "outputs": .object(["greeting": .string("greeting.txt")]),
                                           "cwd": .string("")]
        let spec = JobSpec(stageName: "hello", fingerprint: String(repeating: "e", count: 64), kind: "command",
                           kindVersion: 1, params: params, seed: 3, threads: 1, specDirectory: dir.path,
                           nodeDirectory: dir.path, inputs: [:], attempt: 1, priorJournals: [])
        try JSONEncoder().encode(spec).write(to: dir.appendingPathComponent("job.json"))
        return spec
    }

    static func ending(_ spec: JobSpec, _ scratch: URL) throws -> JournalEnding? {
        let store = try Store(path: scratch.appendingPathComponent("controller/state.sqlite"))
        defer { try? store.close() }
        return try store.importJournal(spec.journalURL, node: spec.fingerprint, from: 0).ending
    }

    @Test("a command node runs from job.json and its journal ends with its outcome")
    func succeeds() throws {
        try CLI.withScratch { dir in
            let node = dir.appendingPathComponent("node")
            try FileManager.default.createDirectory(at: node, withIntermediateDirectories: true)
            let spec = try Self.writeJob(node, argv: ["sh", "-c", "echo hello > {out}/greeting.txt"])
            let result = try CLI.run(["node-exec", node.path], in: dir)
            #expect(result.code == 0, "\(result.stderr)")
            #expect(CLI.read(node.appendingPathComponent("greeting.txt")) == "hello\n")
            guard case .succeeded(let outcome) = try Self.ending(spec, dir) else {
                Issue.record("journal has no outcome")
                return
            }
            #expect(outcome.artifacts["greeting"] == "greeting.txt")
        }
    }

    @Test("a failing node exits non-zero and its journal says why; a bad job.json is a clear error")
    func fails() throws {
        try CLI.withScratch { dir in
            let spec = try Self.writeJob(dir, argv: ["sh", "-c", "exit 3"])
            let result = try CLI.run(["node-exec", dir.path], in: dir)
            #expect(result.code == 1)
            #expect(result.stderr.contains("stage 'hello' failed"))
            guard case .failed(let message, _) = try Self.ending(spec, dir) else {
                Issue.record("journal has no failure")
                return
            }
            #expect(message.contains("3"))
            let missing = try CLI.run(["node-exec", dir.appendingPathComponent("nowhere").path], in: dir)
            #expect(missing.code == 1)
            #expect(missing.stderr.contains("cannot read"))
        }
    }

    @Test("inside a real Slurm job: submitted, tracked to its marker, journal imported",
          .enabled(if: NodeExecTests.clusterIsUp, "needs a running Slurm cluster"), .slurmCluster)
    func onSlurm() throws {
        let node = URL(fileURLWithPath: "/tmp/lema-slurm-tests/node-exec-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: node, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: node) }
        let spec = try Self.writeJob(node, argv: ["sh", "-c", "echo from-slurm > {out}/greeting.txt"])
        let request = JobRequest(name: JobName(run: "clitests", node: node.lastPathComponent, attempt: 1),
                                 argv: [try CLI.lemaPath(), "node-exec", node.path], directory: node,
                                 environment: JobEnvironment.forJob(from: ProcessInfo.processInfo.environment))
        let client = SlurmClient()
        let job = TrackedJob(id: try client.submit(request), name: request.name, marker: request.markerURL)
        var tracker = JobTracker(client: client)
        var outcome: JobOutcome?
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            outcome = try tracker.poll([job])[job.id]
            if case .alive = outcome { Thread.sleep(forTimeInterval: 0.2) } else { break }
        }
        guard case .succeeded = outcome else {
            Issue.record("job ended \(String(describing: outcome)); stderr: \(CLI.read(request.stderrURL))")
            return
        }
        #expect(CLI.read(node.appendingPathComponent("greeting.txt")) == "from-slurm\n")
        try CLI.withScratch { dir in
            guard case .succeeded = try Self.ending(spec, dir) else {
                Issue.record("journal has no outcome")
                return
            }
        }
    }
}

extension NodeExecTests {
    static let clusterIsUp = SlurmProbe.clusterAnswers(for: "NodeExecTests on Slurm")
}
