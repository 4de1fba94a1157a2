import AsyncHTTPClient
import Engine
import Foundation
import LemaCore
import NIOCore
@testable import RunView
import StageAPI
import Stages

/// A two-variant pipeline whose variant name and parameter carry markup, registered in a fresh store, and a
/// `lema ui` server on a free port reading it.
struct RunViewFixture {
    static let markupVariant = "<img src=x onerror=\"window.__pwned=1\">"
    static let markupLabel = "<script>window.__pwned=2</script>"
    static let spec = """
        name: uitest
        seed: 1
        params:
          label: a
        sweep:
          variants:
            - {name: '\(markupVariant)', label: '\(markupLabel)'}
            - {name: plain, label: b}
        stages:
          prep:
            kind: noop
          work:
            kind: command
            argv: [echo, "${params.label}"]
            inputs: [prep]
          join:
            kind: noop
            inputs: [work]
        """

    let directory: URL
    let graph: Graph
    let store: Store
    let server: RunViewServer
    let port: Int

    var runDirectory: URL { directory.appendingPathComponent("runs/uitest") }

    static func graph(in directory: URL) throws -> Graph {
        try PipelineCompiler.compile(text: spec, fileName: "uitest.yaml", specDirectory: directory, overrides: [],
                                     registry: KindRegistry(GenericKinds.all))
    }

    /// Compiles, registers the graph and starts the server; `body` runs with it, then everything is closed.
    static func with(_ body: (RunViewFixture) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lema-ui-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let graph = try graph(in: directory)
        let runDirectory = directory.appendingPathComponent("runs/uitest")
        let store = try Store(path: runDirectory.appendingPathComponent("state.sqlite"),
                              options: StoreOptions(batchSize: 1, maxDelay: 0.001))
        try store.register(graph)
        let server = RunViewServer(graph: graph, runDirectory: runDirectory,
                                   configuration: RunViewConfiguration(port: 0, pollInterval: .milliseconds(20)))
        let port = try await server.start()
        let fixture = RunViewFixture(directory: directory, graph: graph, store: store, server: server, port: port)
        do {
            try await body(fixture)
        } catch {
            await server.stop()
            try? store.close()
            throw error
        }
        await server.stop()
        try store.close()
    }

    /// GET `path`: status, content type and body.
    func get(_ path: String) async throws -> (status: Int, type: String, body: String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"),
                                                           timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), response.headers.first(name: "Content-Type") ?? "",
                String(buffer: bytes))
    }

    /// GET `path` as JSON.
    func json(_ path: String) async throws -> JSONValue {
        let answer = try await get(path)
        return try JSONValue.parse(Data(answer.body.utf8))
    }

    func node(stage: String, variant: String? = nil) -> GraphNode? {
        graph.nodes.first { $0.stage == stage && (variant.map($0.variants.contains) ?? true) }
    }

    func position(_ node: GraphNode) -> Int { graph.nodes.firstIndex { $0.id == node.id } ?? -1 }
}
