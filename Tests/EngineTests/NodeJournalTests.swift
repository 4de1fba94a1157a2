import Foundation
import LemaCore
import StageAPI
import Testing
@testable import Engine

private typealias Fx = StoreFixtures

@Suite("Node journal (cluster jobs → controller)")
struct NodeJournalTests {
    static let records: [JournalRecord] = [
        .progress(done: 0, total: 3, note: nil),
        .item(key: "q1", payload: Data("{\"a\":1}".utf8)),
        .item(key: "q2", payload: Data([0, 255, 10])),
        .metric(name: "loss", step: 10, value: 2.5),
        .event(kind: "note", message: "line one\nline two"),
        .checkpoint(step: 10, file: "step-10.safetensors"),
        .progress(done: 2, total: 3, note: "chunk 1"),
        .response(key: "k", endpoint: "http://127.0.0.1:9/v1/completions", model: "m",
                  response: CachedResponse(body: Data("{}".utf8), promptTokens: 3, completionTokens: 4)),
        .outcome(StageOutcome(artifacts: ["default": "out.jsonl"], summary: ["count": .int(2)])),
        .failure(message: "bad input", retryable: false),
    ]

    @Test("every record survives the trip through the file")
    func roundTrip() throws {
        try Fx.withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("journal.jsonl")
            let writer = try JournalWriter(url: url)
            for r in Self.records { writer.append(r) }
            #expect(try JournalReader.read(url, from: 0).records.isEmpty)  // nothing durable before flush
            try writer.flush()
            let (read, next) = try JournalReader.read(url, from: 0)
            #expect(read == Self.records)
            #expect(next == (try Data(contentsOf: url)).count)
            #expect(try JournalReader.read(url, from: next).records.isEmpty)
        }
    }

    @Test("a torn last line is left for the next read; a foreign line is an error with its offset")
    func tornAndForeign() throws {
        try Fx.withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("journal.jsonl")
            let writer = try JournalWriter(url: url)
            writer.append(.metric(name: "loss", step: 1, value: 1))
            try writer.flush()
            let handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("{\"t\":\"metric\",\"na".utf8))  // a writer killed mid-line
            try handle.close()
            let (first, next) = try JournalReader.read(url, from: 0)
            #expect(first == [.metric(name: "loss", step: 1, value: 1)])
            #expect(try JournalReader.read(url, from: next).records.isEmpty)
            try Data("not json\n".utf8).write(to: url)
            let error = #expect(throws: JournalError.self) { try JournalReader.read(url, from: 0) }
            #expect(error?.offset == 0)
            #expect(try JournalReader.read(dir.appendingPathComponent("missing"), from: 0).records.isEmpty)
        }
    }

    @Test("the controller imports a journal as a local run would have written it, incrementally and idempotently")
    func importIntoStore() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            try store.register(Fx.sampleGraph())
            let node = Fx.fingerprint("b")
            let url = dir.appendingPathComponent("journal.jsonl")
            let writer = try JournalWriter(url: url)
            writer.append(.item(key: "q1", payload: Data("one".utf8)))
            writer.append(.metric(name: "loss", step: 10, value: 2.5))
            try writer.flush()
            let first = try store.importJournal(url, node: node, from: 0)
            #expect(first.ending == nil)
            #expect(try store.ledgerItems(node) == ["q1": Data("one".utf8)])

            writer.append(.item(key: "q2", payload: Data("two".utf8)))
            writer.append(.checkpoint(step: 10, file: "step-10.safetensors"))
            writer.append(.outcome(StageOutcome(artifacts: ["default": "out.jsonl"], summary: [:])))
            try writer.flush()
            let second = try store.importJournal(url, node: node, from: first.next)
            #expect(second.ending == .succeeded(StageOutcome(artifacts: ["default": "out.jsonl"], summary: [:])))
            #expect(try store.ledgerCount(node) == 2)
            #expect(try store.latestCheckpoint(node)?.step == 10)
            #expect(try store.metrics(node).map(\.value) == [2.5])

            _ = try store.importJournal(url, node: node, from: 0)  // a restarted controller starts over
            #expect(try store.ledgerCount(node) == 2)
            #expect(try store.metrics(node).count == 1)
        }
    }
}
