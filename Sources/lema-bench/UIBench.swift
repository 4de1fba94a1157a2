import AsyncHTTPClient
import BrowserDriver
import Engine
import Foundation
import LemaCore
import NIOCore
import RunView
import StageAPI
import Stages

/// `lema-bench ui [--variants N] [--stages N]`: `lema ui` on a 10,000-node run (1,000 variants × 10 stages by
/// default) in headless Chromium. Prints: `/api/graph` and `/api/snapshot` answer times, the time from navigation
/// to the first drawn graph, the time to apply an update of 100 nodes (collapsed and expanded graph), and the
/// tab's memory. Bars (issue 17): draw < 1 s, `/api/graph` < 100 ms, 100-node update < 16 ms, tab < 200 MB.
enum UIBench {
    static func main(_ args: [String]) async throws {
        var variants = 1000, stages = 10
        var i = 0
        while i < args.count {
            guard i + 1 < args.count, let value = Int(args[i + 1]), value > 0 else {
                throw BenchUsage("\(args[i]) needs a positive number (options: --variants N --stages N)")
            }
            switch args[i] {
            case "--variants": variants = value
            case "--stages": stages = value
            default: throw BenchUsage("unknown option '\(args[i])' (use --variants N --stages N)")
            }
            i += 2
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lema-bench-ui-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let graph = try compile(variants: variants, stages: stages, in: directory)
        let runDirectory = directory.appendingPathComponent("runs/uibench")
        let store = try Store(path: runDirectory.appendingPathComponent("state.sqlite"),
                              options: StoreOptions(batchSize: 20_000, maxDelay: 5))
        defer { try? store.close() }
        try store.register(graph)
        try fillStates(store, graph: graph)
        print("lema-bench ui: \(graph.nodes.count) nodes (\(variants) variants × \(stages) stages)")

        let server = RunViewServer(graph: graph, runDirectory: runDirectory)
        let port = try await server.start()
        let base = "http://127.0.0.1:\(port)"
        try server.pollNow()
        for path in ["/api/graph", "/api/snapshot"] {
            var times: [Double] = []
            var bytes = 0
            for _ in 0..<7 {
                let start = DispatchTime.now().uptimeNanoseconds
                bytes = try await get(base + path)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            print(String(format: "  GET %-14@ median %6.1f ms, max %6.1f ms (%d KB)", path, median(times),
                         times.max() ?? 0, bytes / 1024))
        }
        guard ChromeDriver.unavailableReason == nil else {
            print("  browser figures skipped: \(ChromeDriver.unavailableReason ?? "")")
            await server.stop()
            return
        }
        let driver = try await ChromeDriver.start()
        defer { driver.stop() }
        let session = try await driver.newSession()
        do {
            try await browserFigures(session, base: base, store: store, graph: graph)
        } catch {
            await session.close()
            await server.stop()
            throw error
        }
        await session.close()
        await server.stop()
    }

    private static func browserFigures(_ session: BrowserSession, base: String, store: Store, graph: Graph) async throws {
        try await session.navigate("about:blank")
        let blank = rendererMemory()
        var draws: [Double] = []
        for _ in 0..<3 {
            try await session.navigate("about:blank")
            try await session.navigate(base + "/")
            try await session.waitFor("the first draw", timeout: 60, "return !!(window.lemaUI && lemaUI.stats.firstDraw !== null)")
            draws.append(try await session.execute("return lemaUI.stats.firstDraw").doubleValue ?? .nan)
        }
        print(String(format: "  navigation → graph drawn: %@ ms (median %.0f)", draws.map { String(format: "%.0f", $0) }
            .joined(separator: ", "), median(draws)))
        var round = 0
        for collapsed in [true, false] {
            try await session.execute("""
                document.getElementById('collapse').checked = arguments[0]; S.collapsed = arguments[0];
                layoutGraph(); drawView(null);
                """, [.bool(collapsed)])
            var applies: [Double] = []
            for _ in 0..<7 {
                round += 1
                let before = try await session.execute("return lemaUI.stats.applies").intValue ?? 0
                for node in graph.nodes.suffix(100 * round).prefix(100) {
                    store.setProgress(node.id, done: round, total: 100, note: "round \(round)")
                }
                try store.flush()
                try await session.waitFor("the update", """
                    return lemaUI.stats.applies > \(before) && lemaUI.stats.lastApplyNodes >= 100
                    """)
                applies.append(try await session.execute("return lemaUI.stats.lastApplyMs").doubleValue ?? .nan)
            }
            print(String(format: "  update of 100 nodes applied (graph %@): median %.1f ms, max %.1f ms",
                         collapsed ? "collapsed" : "expanded", median(applies), applies.max() ?? 0))
        }
        let heap = try await session.execute("return performance.memory ? performance.memory.usedJSHeapSize : null")
        let tab = rendererMemory()
        print(String(format: "  tab memory: JS heap %.1f MB; renderer private (RssAnon) %.1f MB, RSS %.1f MB "
                     + "(an empty tab: %.1f MB private, %.1f MB RSS)", (heap.doubleValue ?? 0) / 1e6,
                     Double(tab.anonymous) / 1e6, Double(tab.resident) / 1e6, Double(blank.anonymous) / 1e6,
                     Double(blank.resident) / 1e6))
    }

    /// `variants` grid points × `stages` command stages in a chain; each node differs per variant.
    static func compile(variants: Int, stages: Int, in directory: URL) throws -> Graph {
        var spec = "name: uibench\nseed: 1\nparams:\n  k: 0\nsweep:\n  grid:\n    k: ["
            + (0..<variants).map(String.init).joined(separator: ", ") + "]\nstages:\n"
        for s in 0..<stages {
            spec += "  s\(s):\n    kind: command\n    argv: [\"true\", \"${params.k}\"]\n"
            if s > 0 { spec += "    inputs: [s\(s - 1)]\n" }
        }
        return try PipelineCompiler.compile(text: spec, fileName: "uibench.yaml", specDirectory: directory,
                                            overrides: [], registry: KindRegistry(GenericKinds.all))
    }

    /// 60% succeeded, 2% running with progress, the rest pending: a run well under way.
    static func fillStates(_ store: Store, graph: Graph) throws {
        let pid = getpid()
        for (k, node) in graph.nodes.enumerated() {
            switch k % 50 {
            case 0..<30:
                try store.markRunning(node.id, pid: pid)
                try store.markSucceeded(node.id, outcome: StageOutcome(), reason: "ran: new node")
            case 30:
                try store.markRunning(node.id, pid: pid)
                store.setProgress(node.id, done: k % 17, total: 40)
            default: break
            }
        }
        try store.flush()
    }

    private static func get(_ url: String) async throws -> Int {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        return try await response.body.collect(upTo: 256 << 20).readableBytes
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
    }

    /// The renderer process with the largest resident set (the tab): its resident and private anonymous bytes.
    private static func rendererMemory() -> (resident: Int, anonymous: Int) {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var largest = (resident: 0, anonymous: 0)
        for pid in entries where Int(pid) != nil {
            guard let command = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                  String(decoding: command, as: UTF8.self).contains("--type=renderer"),
                  let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { continue }
            func kilobytes(_ field: String) -> Int {
                status.split(separator: "\n").first { $0.hasPrefix(field) }?.split(separator: " ").dropFirst().first
                    .flatMap { Int($0) } ?? 0
            }
            let resident = kilobytes("VmRSS:") * 1024
            if resident > largest.resident { largest = (resident, kilobytes("RssAnon:") * 1024) }
        }
        return largest
    }
}
