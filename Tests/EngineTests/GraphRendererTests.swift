import Foundation
import Testing
@testable import Engine

/// `lema graph` output: text, Graphviz dot, Mermaid.
@Suite("Graph rendering")
struct GraphRendererTests {
    static let spec = """
        name: r
        params: {lr: 0.1}
        sweep:
          grid: {lr: [0.1, 0.2]}
        stages:
          gen: {kind: gen}
          t: {kind: train, data: gen, steps: 1, lr: "${params.lr}"}
          done: {kind: noop, after: [t]}
        """

    /// Full ids in graph order: gen, t(lr=0.1), t(lr=0.2), done(lr=0.1), done(lr=0.2).
    static func ids() throws -> (graph: Graph, full: [String], short: [String]) {
        let graph = try SpecFixtures.compile(spec)
        #expect(graph.nodes.map(\.stage) == ["gen", "t", "t", "done", "done"])
        return (graph, graph.nodes.map(\.id), graph.nodes.map { String($0.id.prefix(12)) })
    }

    @Test func dot() throws {
        let (graph, n, s) = try Self.ids()
        #expect(GraphRenderer.render(graph, format: .dot) == """
            digraph "r" {
              rankdir=TB;
              node [shape=box, style=rounded, fontname="Helvetica"];
              edge [fontname="Helvetica", fontsize=10];
              n\(n[0]) [label="gen\\ngen \(s[0])\\nshared by all 2 variants", style="rounded,bold", penwidth=2];
              n\(n[1]) [label="t\\ntrain \(s[1])\\nvariant lr=0.1"];
              n\(n[2]) [label="t\\ntrain \(s[2])\\nvariant lr=0.2"];
              n\(n[3]) [label="done\\nnoop \(s[3])\\nvariant lr=0.1"];
              n\(n[4]) [label="done\\nnoop \(s[4])\\nvariant lr=0.2"];
              n\(n[0]) -> n\(n[1]) [label="data"];
              n\(n[0]) -> n\(n[2]) [label="data"];
              n\(n[1]) -> n\(n[3]) [label="after", style=dashed];
              n\(n[2]) -> n\(n[4]) [label="after", style=dashed];
            }

            """)
    }

    @Test func mermaid() throws {
        let (graph, n, s) = try Self.ids()
        #expect(GraphRenderer.render(graph, format: .mermaid) == """
            flowchart TD
              n\(n[0])["gen<br/>gen \(s[0])<br/>shared by all 2 variants"]
              n\(n[1])["t<br/>train \(s[1])<br/>variant lr=0.1"]
              n\(n[2])["t<br/>train \(s[2])<br/>variant lr=0.2"]
              n\(n[3])["done<br/>noop \(s[3])<br/>variant lr=0.1"]
              n\(n[4])["done<br/>noop \(s[4])<br/>variant lr=0.2"]
              n\(n[0]) -->|"data"| n\(n[1])
              n\(n[0]) -->|"data"| n\(n[2])
              n\(n[1]) -.->|"after"| n\(n[3])
              n\(n[2]) -.->|"after"| n\(n[4])
              classDef shared stroke-width:3px
              class n\(n[0]) shared

            """)
    }

    @Test func textWithoutSweepHasNoVariantLabels() throws {
        let graph = try SpecFixtures.compile("name: one\nstages:\n  gen: {kind: gen}\n  s: {kind: sample, data: gen.problems}\n")
        let s = graph.nodes.map { String($0.id.prefix(12)) }
        #expect(GraphRenderer.render(graph, format: .text) == """
            pipeline 'one': 1 variant, 2 stages, 2 nodes

            gen \(s[0]) [gen]
            s \(s[1]) [sample]
                data ← gen.problems \(s[0])

            """)
    }

    @Test func partlySharedNodesListTheirVariants() throws {
        let graph = try SpecFixtures.compile("""
            name: p
            params: {k: 1, lr: 0.1}
            sweep:
              grid: {k: [1, 2], lr: [0.1, 0.2, 0.3, 0.4, 0.5]}
            stages:
              gen: {kind: gen}
              s: {kind: sample, data: gen, k: "${params.k}"}
            """)
        let text = GraphRenderer.render(graph, format: .text)
        #expect(text.contains("[sample]  shared by 5 variants: k=1,lr=0.1, k=1,lr=0.2, k=1,lr=0.3, k=1,lr=0.4, …\n"))
        #expect(text.hasPrefix("pipeline 'p': 10 variants, 2 stages, 3 nodes (3 shared)\n"))
    }

    @Test func labelsAreEscaped() throws {
        let graph = try SpecFixtures.compile("""
            name: e
            params: {k: 1}
            sweep:
              variants:
                - {name: 'a "b" <c>', k: 2}
                - {name: 'back\\slash', k: 3}
            stages:
              gen: {kind: gen, count: "${params.k}"}
            """)
        #expect(GraphRenderer.render(graph, format: .mermaid).contains("variant a #quot;b#quot; #lt;c#gt;\"]"))
        #expect(GraphRenderer.render(graph, format: .dot).contains("variant a \\\"b\\\" <c>\"]"))
        #expect(GraphRenderer.render(graph, format: .dot).contains("variant back\\\\slash\"]"))
    }
}
