import ArgumentParser
import Engine
import Foundation
import LemaCore
import Stages

/// `lema report SPEC`: publishes the finished `report` stages' files to `runs/<name>/` and prints their tables.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Copy the report (report.md, index.html, SVG figures) to runs/<name>/ and print its table.")

    @OptionGroup var pipeline: PipelineOptions

    func run() throws {
        let graph = try pipeline.compile()
        let store = try pipeline.openStore(for: graph, mustExist: true)
        defer { try? store.close() }
        let published = try ReportPublisher.publish(graph: graph, records: try store.nodeRecords(),
                                                    runDirectory: pipeline.runDirectory(for: graph))
        guard !published.isEmpty else {
            throw CLIError(message: "no finished report stage in '\(graph.pipelineName)' (a stage of kind `report` "
                + "must have run; see `lema status \(pipeline.spec)`)")
        }
        print(published.map(\.summary).joined(separator: "\n\n"))
    }
}

/// Copies finished report nodes' artifacts to the run directory, where a reader looks for them.
enum ReportPublisher {
    struct Published {
        var directory: URL
        var summary: String
    }

    /// One entry per finished `report` node; a pipeline with several report stages gets one folder each
    /// (`runs/<name>/` for a single one, `runs/<name>/reports/<stage>/` otherwise).
    static func publish(graph: Graph, records: [String: NodeRecord], runDirectory: URL) throws -> [Published] {
        let reports = graph.nodes.filter { $0.kind == "report" && records[$0.id]?.status == .succeeded }
        return try reports.map { node in
            let target = reports.count == 1 ? runDirectory
                : runDirectory.appendingPathComponent("reports").appendingPathComponent(node.stage)
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            var table = ""
            for (name, relative) in (records[node.id]?.artifacts ?? [:]).sorted(by: { $0.key < $1.key }) {
                let source = runDirectory.appendingPathComponent(relative)
                let destination = target.appendingPathComponent(source.lastPathComponent)
                let data = try Data(contentsOf: source)
                try data.write(to: destination, options: .atomic)
                if name == "results", let results = try? JSONValue.parse(data) {
                    table = ReportResults.markdownTable(results) ?? ""
                }
            }
            let path = target.appendingPathComponent("index.html").path
            return Published(directory: target, summary: (table.isEmpty ? "" : table + "\n") + "report: \(path)")
        }
    }
}
