import Engine
import Foundation
import LemaCore
@testable import RunView
import StageAPI
import Testing

/// `lema ui`'s JSON API over HTTP, against a store written the way `lema run` writes it.
@Suite struct RunViewAPITests {
    @Test func graphDocumentHasStagesVariantsAndSharedNodes() async throws {
        try await RunViewFixture.with { fixture in
            let graph = try await fixture.json("/api/graph")
            #expect(graph["pipeline"]?.stringValue == "uitest")
            #expect(graph["stages"] == .array([.string("prep"), .string("work"), .string("join")]))
            #expect(graph["variants"]?.arrayValue?.count == 2)
            let nodes = try #require(graph["nodes"]?.arrayValue)
            #expect(nodes.count == fixture.graph.nodes.count)
            #expect(nodes.count == 5)  // prep shared by both variants; work and join once per variant
            let prep = try #require(nodes.first { $0["stage"]?.stringValue == "prep" })
            #expect(prep["variants"] == .array([.int(0), .int(1)]))
            let join = try #require(nodes.first { $0["stage"]?.stringValue == "join" })
            let parent = try #require(join["parents"]?.arrayValue?.first?.intValue)
            #expect(nodes[parent]["stage"]?.stringValue == "work")
        }
    }

    @Test func nodeStatesFollowTheStore() async throws {
        try await RunViewFixture.with { fixture in
            let prep = try #require(fixture.node(stage: "prep"))
            let work = try #require(fixture.node(stage: "work", variant: "plain"))
            try fixture.store.markRunning(prep.id, pid: getpid())
            try fixture.store.markSucceeded(prep.id, outcome: StageOutcome(), reason: "ran: new node")
            try fixture.store.markRunning(work.id, pid: getpid())
            fixture.store.setProgress(work.id, done: 3, total: 8, note: "3 cache hits")
            try fixture.store.flush()
            try fixture.server.pollNow()
            let nodes = try #require(try await fixture.json("/api/nodes").arrayValue)
            let table: [(GraphNode, String)] = [(prep, "succeeded"), (work, "running")]
            for (node, status) in table {
                #expect(nodes[fixture.position(node)]["status"]?.stringValue == status)
            }
            let state = nodes[fixture.position(work)]
            #expect(state["done"]?.intValue == 3)
            #expect(state["total"]?.intValue == 8)
            #expect(state["note"]?.stringValue == "3 cache hits")
            #expect(state["attempts"]?.intValue == 1)
            let join = try #require(fixture.node(stage: "join"))
            #expect(nodes[fixture.position(join)]["status"]?.stringValue == "pending")  // registered, not started
        }
    }

    @Test func nodePanelCarriesWhyTextOfTheEngine() async throws {
        try await RunViewFixture.with { fixture in
            let work = try #require(fixture.node(stage: "work", variant: "plain"))
            try fixture.server.pollNow()
            let panel = try await fixture.json("/api/node/\(fixture.position(work))")
            let records = try fixture.store.nodeRecords()
            let onDisk = Planner.checkingArtifacts(records, of: fixture.graph, in: fixture.runDirectory)
            let plan = Planner.plan(graph: fixture.graph, records: onDisk, only: [])
            #expect(panel["why"]?.stringValue == Why.explain(nodes: [work], graph: fixture.graph, records: records,
                                                             plan: plan))
            #expect(panel["params"]?["argv"] == .array([.string("echo"), .string("b")]))
            #expect(panel["id"]?.stringValue == work.id)
            // By fingerprint too; an unknown node is a 404 with a JSON message.
            #expect(try await fixture.json("/api/node/\(work.id)")["i"]?.intValue == fixture.position(work))
            let missing = try await fixture.get("/api/node/nope")
            #expect(missing.status == 404)
            #expect(missing.body.contains("no node 'nope'"))
        }
    }

    @Test func markupFromTheStoreStaysText() async throws {
        try await RunViewFixture.with { fixture in
            let work = try #require(fixture.node(stage: "work", variant: RunViewFixture.markupVariant))
            let line = "<img src=x onerror=alert(1)> & </div>"
            fixture.store.appendEvent(node: work.id, kind: "log", message: line)
            try fixture.store.flush()
            try fixture.server.pollNow()
            let events = try #require(try await fixture.json("/api/events?after=0").arrayValue)
            #expect(events.last?["message"]?.stringValue == line)
            let answer = try await fixture.get("/api/events?after=0")
            #expect(answer.type == "application/json")
            let graph = try await fixture.json("/api/graph")
            #expect(graph["variants"]?.arrayValue?.first?["name"]?.stringValue == RunViewFixture.markupVariant)
            // The page never parses data as markup: no HTML sinks anywhere in its script.
            for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("] {
                #expect(!PageAssets.script.contains(sink), "script uses \(sink)")
            }
        }
    }

    @Test func pageAndAssetsAreServedFromTheBinary() async throws {
        try await RunViewFixture.with { fixture in
            let table: [(String, String, String)] = [
                ("/", "text/html", "<canvas id=\"graph-canvas\">"), ("/app.js", "text/javascript", "EventSource"),
                ("/app.css", "text/css", "header"), ("/favicon.svg", "image/svg+xml", "<svg"),
            ]
            for (path, type, content) in table {
                let answer = try await fixture.get(path)
                #expect(answer.status == 200, "\(path)")
                #expect(answer.type.hasPrefix(type), "\(path): \(answer.type)")
                #expect(answer.body.contains(content), "\(path)")
            }
            #expect(try await fixture.get("/").body.contains("rel=\"icon\" href=\"data:image/svg+xml"))
            // Nothing is loaded from elsewhere: the page works with no network.
            for remote in ["src=\"http", "href=\"http", "src=\"//", "href=\"//", "url(http"] {
                #expect(!PageAssets.html.contains(remote) && !PageAssets.style.contains(remote), "\(remote)")
            }
        }
    }

    @Test func sweepShowsOnlyDifferingParameters() async throws {
        try await RunViewFixture.with { fixture in
            let sweep = try await fixture.json("/api/sweep")
            #expect(sweep["differing"] == .array([.string("label")]))
            let rows = try #require(sweep["rows"]?.arrayValue)
            #expect(rows.map { $0["variant"]?.stringValue } == [RunViewFixture.markupVariant, "plain"])
            #expect(rows[1]["params"] == .object(["label": .string("b")]))
        }
    }

    @Test(arguments: [
        (0.5, 0.3, 0.7, "50.0% [30.0, 70.0]"), (0.0, 0.0, 0.074, "0.0% [0.0, 7.4]"), (0.41234, nil, nil, "41.2%"),
    ] as [(Double, Double?, Double?, String)])
    func passAtOneIsWordedAsInTheReport(accuracy: Double, low: Double?, high: Double?, text: String) {
        #expect(RunDetails.passAt1(accuracy, low, high) == text)
    }
}
