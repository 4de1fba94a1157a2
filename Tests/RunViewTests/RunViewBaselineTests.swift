import BrowserDriver
import Engine
import Foundation
import LemaCore
@testable import RunView
import StageAPI
import Stages
import Testing

/// The sweep view's paired comparison with the report's `baseline`: two sweep points × two seeds in a constructed
/// store; `/api/sweep` must say what the report's results.json says for the same evaluations.
@Suite struct RunViewBaselineTests {
    static let location = SourceLocation(file: "spec.yaml", line: 1, column: 1)
    /// Point → seed → answers to questions q0…q7 (true: correct).
    static let answers: [String: [UInt64: [Bool]]] = [
        "mode=a": [7: [true, false, false, true, false, false, true, false],
                   8: [true, true, false, false, false, false, true, false]],
        "mode=b": [7: [true, true, true, true, false, true, true, false],
                   8: [true, true, true, false, true, false, true, true]],
    ]

    /// The graph, with evaluate nodes in (point, seed) order and the report last.
    static func graph(in directory: URL) -> Graph {
        var nodes: [GraphNode] = []
        var variants: [GraphVariant] = []
        for (p, point) in ["mode=a", "mode=b"].enumerated() {
            for seed: UInt64 in [7, 8] {
                let name = "\(point),seed=\(seed)"
                let id = String(repeating: "\(p)", count: 62) + "0\(seed)"
                nodes.append(GraphNode(id: id, stage: "evaluate", kind: "evaluate", kindVersion: 1, params: [:],
                                       inputs: [:], retries: 0, timeout: nil, threads: 1, variants: [name],
                                       location: location))
                variants.append(GraphVariant(name: name, params: ["mode": .string(String(point.dropFirst(5)))],
                                             stageNodes: ["evaluate": id], replicate: .init(of: point, seed: seed)))
            }
        }
        let edges = nodes.map { InputEdge(parameter: "evaluations", nodeID: $0.id, stage: $0.stage, artifact: nil) }
        nodes.append(GraphNode(id: String(repeating: "r", count: 64), stage: "report", kind: "report", kindVersion: 3,
                               params: ["baseline": .string("mode=a"), "x": .string("mode"), "series": .string("")],
                               inputs: ["evaluations": edges], retries: 0, timeout: nil, threads: 1,
                               variants: variants.map(\.name), location: location))
        return Graph(pipelineName: "paired", seed: 7, specDirectory: directory, nodes: nodes, variants: variants)
    }

    /// Writes each evaluation's predictions and marks it succeeded, one at a time; `afterEach(done)` runs after
    /// each. Returns the inputs as the scheduler hands them to the report stage.
    @discardableResult
    static func populate(_ graph: Graph, store: Store, in directory: URL,
                         afterEach: (Int) throws -> Void = { _ in }) throws -> [InputArtifact] {
        var inputs: [InputArtifact] = []
        for (node, variant) in zip(graph.nodes.dropLast(), graph.variants) {
            let (point, seed) = (variant.replicate?.of ?? "", variant.replicate?.seed ?? 0)
            let right = answers[point]?[seed] ?? []
            let relative = "nodes/\(node.id)/predictions.jsonl"
            let file = directory.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            let lines = right.enumerated().map { JSONValue.object(["problem_id": .string("q\($0)"), "correct": .bool($1)]).canonicalText }
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
            let accuracy = Double(right.filter { $0 }.count) / Double(right.count)
            let summary: [String: JSONValue] = ["accuracy": .double(accuracy), "n": .int(Int64(right.count))]
            try store.markSucceeded(node.id, outcome: StageOutcome(artifacts: ["predictions": relative], summary: summary),
                                    reason: "ran: new node")
            var withVariants = summary
            withVariants["_variants"] = graph.variantsValue(of: node)
            inputs.append(InputArtifact(stage: node.stage, fingerprint: node.id, selected: nil,
                                        artifacts: ["predictions": file], summary: withVariants))
            try store.flush()
            try afterEach(inputs.count)
        }
        return inputs
    }

    @Test func sweepPairsEachPointWithTheBaselineAsTheReportDoes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lema-ui-paired-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let graph = Self.graph(in: directory)
        let store = try Store(path: directory.appendingPathComponent("state.sqlite"))
        defer { try? store.close() }
        try store.register(graph)
        let live = LiveRun(graph: graph, storePath: store.path)
        let details = RunDetails(live: live, runDirectory: directory)
        let inputs = try Self.populate(graph, store: store, in: directory) { done in
            try live.poll()
            if done < 4 {
                #expect(try details.sweep()["baseline"] == .null, "not before every evaluation has succeeded")
            }
        }

        let report = ReportFiles.build(evaluations: inputs, training: [], x: "mode", series: "", title: "t",
                                       lossScale: .log, baseline: "mode=a")
        let results = try JSONValue.parse(Data(try #require(report.files["results.json"]).utf8))
        let sweep = try details.sweep()
        #expect(sweep["baseline"]?["seeds"] == results["seeds"])
        let b = try #require(sweep["baseline"]?["seeds"]?["arms"]?.arrayValue?.last?["vs_baseline"])
        // Pooled over both seeds: b (mode=b right, mode=a wrong) = 3 + 3, c (the reverse) = 0; exact p = 2 / 2⁶.
        #expect(b["b"] == .int(6) && b["c"] == .int(0) && b["seeds"] == .int(2) && b["questions"] == .int(8))
        #expect(b["difference"]?.doubleValue == 6.0 / 16.0)
        #expect(abs((b["mcnemar_p"]?.doubleValue ?? 1) - 2.0 / 64.0) < 1e-12)

        let rows = try #require(sweep["rows"]?.arrayValue)
        let texts = rows.map { $0["evaluations"]?.arrayValue?.first?["vs_baseline"]?.stringValue }
        let lastRow = try #require(sweep["baseline"]?["cells"]?.arrayValue?.last?.arrayValue)
        let cells = lastRow.compactMap { $0.stringValue }
        #expect(texts == ["baseline", "baseline", "Δ \(cells[4]) pts, McNemar p \(cells[5])",
                          "Δ \(cells[4]) pts, McNemar p \(cells[5])"])
        #expect(cells[4].hasPrefix("+37.5 [") && cells[5] == "0.031 (6/0)", "\(cells)")
    }
}

/// The same store in headless Chromium: the sweep view shows the comparison table and the per-variant Δ.
@Suite(.enabled(if: ChromeDriver.unavailableReason == nil, Comment(rawValue: ChromeDriver.unavailableReason ?? "")))
struct RunViewBaselineBrowserTests {
    @Test func theSweepViewShowsTheReportsComparison() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lema-ui-paired-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let graph = RunViewBaselineTests.graph(in: directory)
        let store = try Store(path: directory.appendingPathComponent("state.sqlite"))
        defer { try? store.close() }
        try store.register(graph)
        try RunViewBaselineTests.populate(graph, store: store, in: directory)
        let server = RunViewServer(graph: graph, runDirectory: directory,
                                   configuration: RunViewConfiguration(port: 0, pollInterval: .milliseconds(20)))
        let port = try await server.start()
        let driver = try await ChromeDriver.start()
        defer { driver.stop() }
        let session = try await driver.newSession()
        do {
            try await session.navigate("http://127.0.0.1:\(port)/")
            try await session.waitFor("the first snapshot", "return !!(window.lemaUI && lemaUI.stats.firstDraw !== null)")
            try await session.execute("showView('sweep')")
            try await session.waitFor("the baseline table", "return document.querySelectorAll('#sweep-baseline tr').length === 3")
            let text = try await session.execute("""
                return { table: document.getElementById('sweep-baseline').textContent,
                         cells: [...document.querySelectorAll('#sweep-table .vs-baseline')].map(e => e.textContent) }
                """)
            #expect(text["table"]?.stringValue?.contains("evaluate [mode=a] (baseline)") == true)
            #expect(text["table"]?.stringValue?.contains("0.031 (6/0)") == true)
            let cells = text["cells"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(cells.count == 4 && cells.prefix(2).allSatisfy { $0 == "baseline" }
                    && cells.suffix(2).allSatisfy { $0.hasPrefix("Δ +37.5 [") && $0.hasSuffix("McNemar p 0.031 (6/0)") },
                    "\(cells)")
            try await session.screenshot().write(to: try BrowserPage.outputFolder("baseline").appendingPathComponent("sweep.png"))
            let errors = try await session.consoleLog().filter { $0.level == "SEVERE" }
            #expect(errors.isEmpty, "console errors: \(errors.map(\.message))")
        } catch {
            await session.close()
            await server.stop()
            throw error
        }
        await session.close()
        await server.stop()
    }
}
