import AsyncHTTPClient
import Engine
import Foundation
import LemaCore
@testable import RunView
import StageAPI
import Testing

/// Live updates: a cheap check for change, reads by cursor, one event per change batch.
@Suite struct RunViewLiveTests {
    /// The JSON of a server-sent event's text.
    private func data(_ event: String) throws -> JSONValue {
        let line = try #require(event.split(separator: "\n").first { $0.hasPrefix("data: ") })
        return try JSONValue.parse(Data(line.dropFirst(6).utf8))
    }

    @Test func aDeltaCarriesOnlyWhatChangedAndNothingIsSentWithoutChange() async throws {
        try await RunViewFixture.with { fixture in
            let live = LiveRun(graph: fixture.graph, storePath: fixture.runDirectory.appendingPathComponent("state.sqlite"))
            var events = live.subscribe().makeAsyncIterator()
            let snapshot = try data(try #require(await events.next()))
            #expect(snapshot["nodes"]?.arrayValue?.count == 5)
            try live.poll()  // the first poll reads the registered (pending) nodes
            _ = await events.next()
            #expect(try live.poll() == nil, "nothing changed: no event")

            let work = try #require(fixture.node(stage: "work", variant: "plain"))
            try fixture.store.markRunning(work.id, pid: getpid())
            fixture.store.appendEvent(node: work.id, kind: "log", message: "first")
            fixture.store.appendEvent(node: work.id, kind: "log", message: "second")
            try fixture.store.flush()
            let delta = try data(try #require(try live.poll()))
            #expect(delta["nodes"]?.arrayValue?.map { $0["i"]?.intValue } == [fixture.position(work)])
            #expect(delta["events"]?.arrayValue?.map { $0["message"]?.stringValue } == ["first", "second"])
            let pushed = try data(try #require(await events.next()))
            #expect(pushed == delta)

            fixture.store.appendEvent(node: nil, kind: "log", message: "third")
            fixture.store.recordMetric(work.id, name: "loss", step: 1, value: 2.5)
            try fixture.store.flush()
            let next = try data(try #require(try live.poll()))
            #expect(next["nodes"] == nil, "the node did not change again")
            #expect(next["events"]?.arrayValue?.map { $0["message"]?.stringValue } == ["third"])
            #expect(next["metrics"]?.arrayValue?.first?["value"]?.doubleValue == 2.5)
            #expect(next["seq"]?.intValue == (delta["seq"]?.intValue ?? 0) + 1)
            #expect(try live.poll() == nil)
        }
    }

    @Test func aPageThatFallsBehindIsEndedNotSkipped() async throws {
        try await RunViewFixture.with { fixture in
            let live = LiveRun(graph: fixture.graph, storePath: fixture.runDirectory.appendingPathComponent("state.sqlite"))
            let stream = live.subscribe()
            for k in 0...LiveRun.pageBacklog {
                fixture.store.appendEvent(node: nil, kind: "log", message: "line \(k)")
                try fixture.store.flush()
                try live.poll()
            }
            var received = 0
            for await _ in stream { received += 1 }  // ends: the page would reconnect for a fresh snapshot
            #expect(received == LiveRun.pageBacklog)
            #expect(live.subscriberCount == 0)
        }
    }

    @Test func theEventStreamDeliversASnapshotThenDeltasOverHTTP() async throws {
        try await RunViewFixture.with { fixture in
            let request = HTTPClientRequest(url: "http://127.0.0.1:\(fixture.port)/api/stream")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
            let join = try #require(fixture.node(stage: "join", variant: "plain"))
            let started = Date()
            var received = ""
            var marked = false
            for try await chunk in response.body {
                received += String(buffer: chunk)
                if !marked, received.contains("event: snapshot") {
                    marked = true
                    try fixture.store.markRunning(join.id, pid: getpid())
                    try fixture.store.flush()
                }
                if received.contains("\"i\":\(fixture.position(join))"), received.contains("\"status\":\"running\"") { break }
                if Date().timeIntervalSince(started) > 5 { break }
            }
            #expect(received.hasPrefix("event: snapshot\n"))
            #expect(received.contains("event: delta"))
            #expect(received.contains("\"status\":\"running\""))
            #expect(Date().timeIntervalSince(started) < 2, "the delta should arrive within a few polls")
        }
    }

    @Test func theViewReadsBesideTheRunLockHolderAndNamesIt() async throws {
        try await RunViewFixture.with { fixture in
            try fixture.store.acquireRunLock(command: "lema run uitest.yaml")
            try fixture.server.pollNow()
            let owner = try #require(try await fixture.json("/api/snapshot")["owner"])
            #expect(owner["pid"]?.intValue == Int(getpid()))
            #expect(owner["state"]?.stringValue == "alive")
            try fixture.store.releaseRunLock()
            try fixture.server.pollNow()
            #expect(try await fixture.json("/api/snapshot")["owner"] == .null)
        }
    }

    @Test func aRunThatHasNotStartedIsShownAndNotCreated() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lema-ui-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let graph = try RunViewFixture.graph(in: directory)
        let runDirectory = directory.appendingPathComponent("runs/uitest")
        let live = LiveRun(graph: graph, storePath: runDirectory.appendingPathComponent("state.sqlite"))
        #expect(try live.poll() == nil)
        let snapshot = try JSONValue.parse(Data(live.snapshotJSON().utf8))
        #expect(snapshot["store"] == .bool(false))
        #expect(snapshot["nodes"]?.arrayValue?.allSatisfy { $0["status"]?.stringValue == "not run" } == true)
        #expect(!FileManager.default.fileExists(atPath: runDirectory.path), "a viewer must not create the run")
    }

    @Test func theReaderRefusesAMissingStoreAndCreatesNothing() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lema-ui-none-\(UUID().uuidString).sqlite")
        #expect(throws: StoreError.self) { try StoreReader(path: path) }
        #expect(!FileManager.default.fileExists(atPath: path.path))
    }
}
