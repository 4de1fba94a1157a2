import ArgumentParser
import Engine

extension GraphFormat: ExpressibleByArgument {}

/// `lema graph SPEC --format text|dot|mermaid`: the compiled DAG, shared nodes visible, variants labelled.
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph", abstract: "Print the compiled DAG (text, Graphviz dot or Mermaid).")

    @OptionGroup var pipeline: PipelineOptions

    @Option(help: "Output format: text, dot or mermaid.")
    var format: GraphFormat = .text

    func run() throws {
        let graph = try pipeline.compile()
        print(GraphRenderer.render(graph, format: format), terminator: "")
    }
}
