import Foundation
import LemaCore
import StageAPI
import Testing
@testable import Engine

private typealias Fx = StoreFixtures

@Suite("Store nodes, reclaim and invalidate")
struct StoreNodeTests {
    @Test func registerCreatesPendingNodesEdgesAndVariants() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            let graph = Fx.sampleGraph()
            try store.register(graph)
            let records = try store.nodeRecords()
            #expect(Set(records.keys) == Set(graph.nodes.map(\.id)))
            let train = try #require(records[Fx.fingerprint("b")])
            #expect(train.status == .pending)
            #expect(train.stage == "train" && train.kind == "map" && train.kindVersion == 2)
            #expect(train.attempts == 0)
            // The fixture's ids are not real hashes of these components, so the text also names the stage (the
            // way duplicate stages are told apart); the seed is always part of it.
            #expect(train.components == """
                {"inputs":{"data":["\(Fx.fingerprint("a"))"]},"kind":"map","params":{"data":"data","lr":0.1},"seed":0,\
                "stage":"train","version":2}
                """)
            #expect(try store.parents(of: Fx.fingerprint("c")) == [Fx.fingerprint("b")])
            let variants = try store.variants()
            #expect(variants.map(\.name) == ["default"])
            #expect(variants.first?.params == ["lr": .double(0.1)])
            #expect(variants.first?.stageNodes["eval"] == Fx.fingerprint("c"))
        }
    }

    @Test func registeringAgainKeepsStatusesAndReplacesVariants() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            try store.register(Fx.sampleGraph())
            let a = Fx.fingerprint("a")
            try store.markRunning(a, pid: getpid())
            try store.markSucceeded(a, outcome: StageOutcome(artifacts: ["records": "records.jsonl"],
                                                             summary: ["count": .int(3)]), reason: "ran: new node")
            try store.register(Fx.sampleGraph())
            let again = try #require(try store.nodeRecord(a))
            #expect(again.status == .succeeded)
            #expect(again.attempts == 1)
            #expect(again.artifacts == ["records": "records.jsonl"])
            #expect(again.summary == ["count": .int(3)])
            // A new lr gives train and eval new fingerprints; the old nodes stay, the variant points at the new ones.
            try store.register(Fx.sampleGraph(lr: 0.2, trainID: Fx.fingerprint("d"), evalID: Fx.fingerprint("e")))
            #expect(try store.nodeRecords().count == 5)
            #expect(try store.variants().first?.stageNodes["train"] == Fx.fingerprint("d"))
            #expect(try store.nodeRecord(a)?.status == .succeeded)
        }
    }

    @Test func transitionsRecordAttemptsTimesErrorsAndReasons() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            try store.register(Fx.sampleGraph())
            let b = Fx.fingerprint("b"), c = Fx.fingerprint("c")
            try store.markRunning(b, pid: getpid())
            try store.markFailed(b, error: "exit code 3")
            try store.markBlocked(c, by: "train")
            var train = try #require(try store.nodeRecord(b))
            #expect(train.status == .failed && train.error == "exit code 3" && train.attempts == 1)
            #expect(train.ownerPID == getpid())
            #expect(train.duration.map { $0 >= 0 } == true)
            #expect(try store.nodeRecord(c)?.reason == "blocked by failed train")
            try store.markRunning(b, pid: getpid())
            train = try #require(try store.nodeRecord(b))
            #expect(train.status == .running && train.attempts == 2 && train.error == nil && train.finishedAt == nil)
            try store.markCancelled(b, reason: "interrupted (SIGINT)")
            #expect(try store.nodeRecord(b)?.status == .cancelled)
            try store.setReason(b, reason: "will resume")
            #expect(try store.nodeRecord(b)?.reason == "will resume")
            let error = #expect(throws: StoreError.self) { try store.markFailed(Fx.fingerprint("z"), error: "x") }
            #expect("\(error.map { "\($0)" } ?? "")".contains("node \(Fx.fingerprint("z")) is not registered"))
        }
    }

    @Test func progressIsBufferedAndReadBack() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir), options: StoreOptions(batchSize: 1000, maxDelay: 3600))
            defer { try? store.close() }
            try store.register(Fx.sampleGraph())
            let b = Fx.fingerprint("b")
            store.setProgress(b, done: 3, total: 10, note: "warming up")
            store.setProgress(b, done: 7, total: 10)
            let record = try #require(try store.nodeRecord(b))
            #expect(record.progressDone == 7 && record.progressTotal == 10 && record.progressNote == nil)
        }
    }

    @Test func reclaimOrphansFreesNodesOfDeadOrForeignOwnersKeepingTheirLedger() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            try store.register(Fx.sampleGraph())
            let a = Fx.fingerprint("a"), b = Fx.fingerprint("b"), c = Fx.fingerprint("c")
            let dead = try Fx.deadPID()
            let alive = try Fx.spawn("/bin/sleep", ["30"])
            defer { Fx.stop(alive) }
            try store.markRunning(a, pid: dead)
            for key in ["1", "2", "3"] { try store.recordItem(a, key: key, payload: Fx.bytes(key)) }
            try store.markRunning(b, pid: alive.processIdentifier)  // alive, but not the lock holder
            try store.acquireRunLock(command: "lema run")
            try store.markRunning(c, pid: getpid())                 // ours: must stay running
            let reclaimed = try store.reclaimOrphans()
            #expect(reclaimed == [a, b].sorted())
            let records = try store.nodeRecords()
            #expect(records[a]?.status == .pending)
            #expect(records[a]?.reason == "reclaimed after crash of pid \(dead) (3 items kept)")
            #expect(records[b]?.reason == "reclaimed after crash of pid \(alive.processIdentifier) (0 items kept)")
            #expect(records[c]?.status == .running)
            #expect(try store.ledgerCount(a) == 3)
            #expect(try store.events(node: a, limit: 5).map(\.kind) == ["reclaim"])
            #expect(try store.reclaimOrphans().isEmpty)
        }
    }

    @Test func invalidateClearsLedgerCheckpointsMetricsOfThoseNodesOnly() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            try store.register(Fx.sampleGraph())
            let a = Fx.fingerprint("a"), b = Fx.fingerprint("b")
            for node in [a, b] {
                try store.markRunning(node, pid: getpid())
                for i in 0..<5 { try store.recordItem(node, key: "\(i)", payload: Fx.bytes("\(i)")) }
                try store.recordCheckpoint(node, step: 10, file: "step-10.safetensors")
                store.recordMetric(node, name: "loss", step: 10, value: 1.5)
                try store.markSucceeded(node, outcome: StageOutcome(artifacts: ["out": "out.jsonl"]), reason: nil)
            }
            try store.invalidate([b], reason: "invalidated by user")
            let train = try #require(try store.nodeRecord(b))
            #expect(train.status == .pending && train.reason == "invalidated by user" && train.artifacts.isEmpty)
            #expect(try store.ledgerCount(b) == 0)
            #expect(try store.latestCheckpoint(b) == nil)
            #expect(try store.metrics(b).isEmpty)
            #expect(try store.ledgerCount(a) == 5)
            #expect(try store.latestCheckpoint(a)?.step == 10)
            #expect(try store.metrics(a) == [MetricPoint(name: "loss", step: 10, value: 1.5)])
            #expect(try store.nodeRecord(a)?.status == .succeeded)
            #expect(throws: StoreError.self) { try store.invalidate([Fx.fingerprint("q")], reason: "x") }
        }
    }

    @Test func checkpointsMetricsAndEventsReadBackInOrder() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            let b = Fx.fingerprint("b")
            for step in [100, 300, 200] { try store.recordCheckpoint(b, step: step, file: "ckpt-\(step)") }
            #expect(try store.latestCheckpoint(b)?.file == "ckpt-300")
            store.recordMetric(b, name: "loss", step: 2, value: 0.5)
            store.recordMetric(b, name: "loss", step: 1, value: 0.9)
            store.recordMetric(b, name: "acc", step: 1, value: 0.1)
            store.recordMetric(b, name: "loss", step: 2, value: 0.4)  // a resumed run logs step 2 again
            #expect(try store.metrics(b) == [MetricPoint(name: "acc", step: 1, value: 0.1),
                                             MetricPoint(name: "loss", step: 1, value: 0.9),
                                             MetricPoint(name: "loss", step: 2, value: 0.4)])
            for i in 0..<5 { store.appendEvent(node: i % 2 == 0 ? b : nil, kind: "log", message: "line \(i)") }
            #expect(try store.events(node: nil, limit: 3).map(\.message) == ["line 2", "line 3", "line 4"])
            #expect(try store.events(node: b, limit: 10).map(\.message) == ["line 0", "line 2", "line 4"])
            #expect(try store.events(node: b, limit: 10).allSatisfy { $0.pid == getpid() })
        }
    }

    /// Transitions are buffered: this store reads its own writes at once, another opener sees them after the
    /// commit (here forced by flush), and they land in call order.
    @Test func transitionsAreVisibleAtOnceAndDurableAfterFlush() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir), options: StoreOptions(batchSize: 1000, maxDelay: 3600))
            defer { try? store.close() }
            try store.register(Fx.sampleGraph())
            let observer = try Store(path: Fx.storeURL(dir))
            defer { try? observer.close() }
            let a = Fx.fingerprint("a")
            try store.markRunning(a, pid: getpid())
            try store.markFailed(a, error: "boom")
            try store.markRunning(a, pid: getpid())
            try store.markSucceeded(a, outcome: StageOutcome(summary: ["n": .int(1)]), reason: "ran")
            #expect(try observer.nodeRecord(a)?.status == .pending)
            #expect(try store.nodeRecord(a)?.status == .succeeded)
            try store.flush()
            let seen = try #require(try observer.nodeRecord(a))
            #expect(seen.status == .succeeded && seen.attempts == 2 && seen.error == nil)
            #expect(seen.summary == ["n": .int(1)])
        }
    }

    /// Nodes registered by an earlier process (another Store instance) are known to a fresh instance.
    @Test func transitionsAcceptNodesRegisteredByAnotherInstance() throws {
        try Fx.withTemporaryDirectory { dir in
            let first = try Store(path: Fx.storeURL(dir))
            try first.register(Fx.sampleGraph())
            try first.close()
            let second = try Store(path: Fx.storeURL(dir))
            defer { try? second.close() }
            #expect(throws: StoreError.self) { try second.markRunning(Fx.fingerprint("x"), pid: getpid()) }
            try second.markRunning(Fx.fingerprint("c"), pid: getpid())
            #expect(try second.nodeRecord(Fx.fingerprint("c"))?.attempts == 1)
        }
    }

    @Test func reRegisteringARenamedStageUpdatesOnlyTheName() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            var graph = Fx.sampleGraph()
            try store.register(graph)
            try store.markBlocked(graph.nodes[2].id, by: "train")
            graph.nodes[2].stage = "evaluate"
            graph.variants[0].stageNodes = ["data": graph.nodes[0].id, "train": graph.nodes[1].id,
                                            "evaluate": graph.nodes[2].id]
            try store.register(graph)
            let record = try #require(try store.nodeRecord(graph.nodes[2].id))
            #expect(record.stage == "evaluate" && record.status == .blocked)
            #expect(try store.variants().first?.stageNodes["evaluate"] == graph.nodes[2].id)
            #expect(try store.variants().first?.stageNodes["eval"] == nil)
        }
    }
}
