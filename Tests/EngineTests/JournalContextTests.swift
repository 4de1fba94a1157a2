import Foundation
import LemaCore
import StageAPI
import Testing
@testable import Engine

private typealias Fx = StoreFixtures

/// A map-like kind: records items a…d (skipping finished ones), a metric and a checkpoint per item; with
/// `stop_after: n` it fails after n new items, as a job killed mid-way would.
private struct LettersKind: StageKind {
    let name = "letters"
    let version = 1
    let summary = "test kind"
    let parameters: [ParameterSpec] = []
    func validate(_ params: [String: JSONValue]) -> [ParameterProblem] { [] }

    func run(_ context: any StageContext) throws -> StageOutcome {
        let done = try context.ledger.finishedItems()
        var fresh = 0
        for (i, key) in ["a", "b", "c", "d"].enumerated() where done[key] == nil {
            if let stop = context.params["stop_after"]?.intValue, fresh == stop {
                try context.ledger.flush()
                throw StageFailure("stopped after \(stop) items", retryable: true)
            }
            try context.ledger.record(key: key, payload: Data(key.uppercased().utf8))
            context.metric("items", step: i, value: Double(i))
            try context.recordCheckpoint(step: i, file: "ckpt-\(i)")
            fresh += 1
        }
        try context.ledger.flush()
        let input = try context.inputs("data").first?.file(default: "default")
        let out = context.outputDirectory.appendingPathComponent("out.txt")
        try "read \(input?.lastPathComponent ?? "nothing")\n".write(to: out, atomically: true, encoding: .utf8)
        return StageOutcome(artifacts: ["default": "out.txt"], summary: ["new": .int(Int64(fresh))])
    }
}

@Suite("Journal context (a node inside a cluster job)")
struct JournalContextTests {
    func spec(_ dir: URL, attempt: Int, prior: [URL], stopAfter: Int?) -> JobSpec {
        let input = InputArtifact(stage: "g", fingerprint: Fx.fingerprint("a"), selected: nil,
                                  artifacts: ["default": dir.appendingPathComponent("problems.jsonl")], summary: ["n": .int(4), "ratio": .double(1)])
        return JobSpec(stageName: "letters", fingerprint: Fx.fingerprint("b"), kind: "letters", kindVersion: 1,
                       params: ["lr": .double(2)].merging(stopAfter.map { ["stop_after": .int(Int64($0))] } ?? [:]) { $1 },
                       seed: 7, threads: 1,
                       specDirectory: dir.path, nodeDirectory: dir.appendingPathComponent("node").path,
                       inputs: ["data": [JobInput(input)]], attempt: attempt, priorJournals: prior.map(\.path))
    }

    /// Attempt 1 dies after two items; attempt 2 resumes from attempt 1's journal and finishes; the controller
    /// imports both journals into the store as a local run would have written them.
    @Test func retriedJobResumesFromTheJournalAndTheControllerImportsIt() throws {
        try Fx.withTemporaryDirectory { dir in
            let first = spec(dir, attempt: 1, prior: [], stopAfter: 2)
            let c1 = try JournalContext(spec: first)
            #expect(throws: StageFailure.self) { try LettersKind().run(c1) }
            try c1.finish(.failed(message: "stopped after 2 items", retryable: true))

            let second = spec(dir, attempt: 2, prior: [first.journalURL], stopAfter: nil)
            // job.json survives the trip to the compute node (integral doubles stay doubles).
            let decoded = try JSONDecoder().decode(JobSpec.self, from: JSONEncoder().encode(second))
            #expect(decoded == second)
            let c2 = try JournalContext(spec: decoded)
            #expect(try c2.latestCheckpoint()?.step == 1)
            let outcome = try LettersKind().run(c2)
            #expect(outcome.summary["new"] == .int(2))
            try c2.finish(.succeeded(outcome))
            #expect(try String(contentsOf: c2.outputDirectory.appendingPathComponent("out.txt"), encoding: .utf8)
                    == "read problems.jsonl\n")

            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            try store.register(Fx.sampleGraph())
            let node = Fx.fingerprint("b")
            let one = try store.importJournal(first.journalURL, node: node, from: 0)
            #expect(one.ending == .failed(message: "stopped after 2 items", retryable: true))
            let two = try store.importJournal(second.journalURL, node: node, from: 0)
            #expect(two.ending == .succeeded(outcome))
            #expect(try store.ledgerItems(node) == ["a": Data("A".utf8), "b": Data("B".utf8),
                                                    "c": Data("C".utf8), "d": Data("D".utf8)])
            #expect(try store.latestCheckpoint(node)?.step == 3)
            #expect(try store.metrics(node).map(\.step) == [0, 1, 2, 3])
        }
    }

    @Test func responsesAreWrittenThroughAndSeenByTheNextAttempt() throws {
        try Fx.withTemporaryDirectory { dir in
            let first = spec(dir, attempt: 1, prior: [], stopAfter: nil)
            let c1 = try JournalContext(spec: first)
            let r = CachedResponse(body: Data("{\"x\":1}".utf8), promptTokens: 1, completionTokens: 2)
            try c1.responseCache.store(key: "k", endpoint: "e", model: "m", response: r)
            try c1.responseCache.store(key: "k", endpoint: "e", model: "m", response: CachedResponse(body: Data(), promptTokens: 0, completionTokens: 0))
            #expect(try c1.responseCache.response(forKey: "k") == r)
            // Durable without any flush by the stage: a killed job never pays for it again.
            let c2 = try JournalContext(spec: spec(dir, attempt: 2, prior: [first.journalURL], stopAfter: nil))
            #expect(try c2.responseCache.response(forKey: "k") == r)
            #expect(try c2.responseCache.response(forKey: "other") == nil)
        }
    }
}
