import ArgumentParser
import Engine
import Foundation
import LemaCore
import RunView

/// `lema ui SPEC`: a live, read-only view of the pipeline's run in the browser.
struct UICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ui",
        abstract: "Watch a pipeline's run in the browser (live, read-only; beside `lema run`, after a crash or later).",
        discussion: """
            Compiles the spec as `lema status` does and reads runs/<name>/state.sqlite through its own read-only \
            connection (never the run lock). Views: graph, timeline, sweep, loss curves, items and logs, endpoint \
            cost and cluster jobs. Prints `lema ui: http://HOST:PORT/` once it listens; SIGINT/SIGTERM stop it.
            """)

    @OptionGroup var pipeline: PipelineOptions

    @Option(help: "Address to listen on (default: loopback only; the page shows everything in the store).")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free one (printed on start).")
    var port: Int = 8090

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
    }

    func run() throws {
        let graph = try pipeline.compile()
        let server = RunViewServer(graph: graph, runDirectory: pipeline.runDirectory(for: graph),
                                   storeFileName: RunLocation.storeFileName,
                                   configuration: RunViewConfiguration(host: host, port: port))
        let shownHost = host.contains(":") ? "[\(host)]" : host
        try BlockingTask.run {
            let bound: Int
            do {
                bound = try await server.start(stopOnSignals: true)
            } catch let error as RunViewError {
                throw CLIError(message: error.description)
            }
            // Unbuffered, so a parent process reading the pipe sees the address at once.
            FileHandle.standardOutput.write(Data("lema ui: http://\(shownHost):\(bound)/\n".utf8))
            await server.waitUntilStopped()
        }
        FileHandle.standardOutput.write(Data("lema ui: stopped\n".utf8))
    }
}
