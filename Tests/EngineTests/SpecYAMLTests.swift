import Foundation
import LemaCore
import Testing
@testable import Engine

/// The YAML layer: scalar types (YAML 1.2 core schema), tags, block scalars, anchors, merge keys, marks.
@Suite("Spec YAML")
struct SpecYAMLTests {
    /// The value a YAML text takes when given to an `any` parameter.
    static func value(_ yaml: String) throws -> JSONValue? {
        let graph = try SpecFixtures.compile("name: y\nstages:\n  g: {kind: gen}\n  t:\n    kind: train\n    data: g\n    steps: 1\n    config: \(yaml)\n")
        return graph.nodes.last?.params["config"]
    }

    @Test(arguments: [
        ("1", JSONValue.int(1)), ("-2", .int(-2)), ("+12", .int(12)), ("0x1F", .int(31)), ("0o17", .int(15)),
        ("1.5", .double(1.5)), ("1e3", .double(1000)), (".5", .double(0.5)), ("-2.", .double(-2)),
        ("9223372036854775808", .double(9223372036854775808)),
        ("true", .bool(true)), ("False", .bool(false)), ("yes", .string("yes")), ("on", .string("on")),
        ("~", .null), ("null", .null), ("", .null),
        ("'1'", .string("1")), ("\"true\"", .string("true")), ("1_000", .string("1_000")), ("0.1.2", .string("0.1.2")),
        ("!!str 12", .string("12")), ("!!float 3", .double(3)), ("!!int \"7\"", .int(7)), ("! 5", .string("5")),
        ("\"tab\\tnew\\nline\"", .string("tab\tnew\nline")), ("'it''s'", .string("it's")),
        ("[1, a, {b: ~}]", .array([.int(1), .string("a"), .object(["b": .null])])),
        ("|\n      line one\n      line two", .string("line one\nline two\n")),
        (">-\n      folded\n      text", .string("folded text")),
    ])
    func scalarResolution(_ yaml: String, _ expected: JSONValue) throws {
        #expect(try Self.value(yaml) == expected)
    }

    @Test func unsupportedTagIsAnError() {
        let errors = SpecFixtures.errors("name: y\nstages:\n  g: {kind: gen}\n  t:\n    kind: train\n    data: g\n    steps: 1\n    config: !!binary aGk=\n")
        #expect(errors == ["spec.yaml:8:13: error: unsupported YAML tag '!!binary' (supported: !!str, !!int, !!float, !!bool, !!null)"])
    }

    @Test func marksAreOneBasedLinesAndColumns() {
        var diagnostics = DiagnosticCollector()
        let node = YAMLParser(fileName: "f.yaml").parse("a:\n  b: [x, yy]\n  c: z\n", diagnostics: &diagnostics)
        #expect(diagnostics.isEmpty)
        let b = node?["a"]?.value["b"]
        #expect(b?.keyLocation == SourceLocation(file: "f.yaml", line: 2, column: 3))
        #expect(b?.value.location == SourceLocation(file: "f.yaml", line: 2, column: 6))
        #expect(b?.value.sequence?.map(\.location.column) == [7, 10])
        #expect(node?["a"]?.value["c"]?.value.location == SourceLocation(file: "f.yaml", line: 3, column: 6))
    }

    @Test func mergeKeysLetExplicitKeysWinAndEarlierSourcesWinOverLater() {
        var diagnostics = DiagnosticCollector()
        let node = YAMLParser(fileName: "f.yaml").parse("""
            one: &one {a: 1, b: 1}
            two: &two {b: 2, c: 2}
            m:
              c: 3
              <<: [*one, *two]
            """, diagnostics: &diagnostics)
        #expect(diagnostics.isEmpty)
        let m = node?["m"]?.value
        #expect(m?.mapping?.map(\.key) == ["c", "a", "b"])
        #expect(m.map { try? $0.jsonValue().get() } == .object(["a": .int(1), "b": .int(1), "c": .int(3)]))
    }

    @Test func aliasedNodesKeepTheLocationsOfTheirAnchor() {
        // The error is in the anchored text, so that is where it points.
        let errors = SpecFixtures.errors("""
            name: y
            x-bad: &bad {kind: train, data: g, steps: lots}
            stages:
              g: {kind: gen}
              t: *bad
            """)
        #expect(errors == ["spec.yaml:2:43: error: expected an integer for 'steps', got 'lots'"])
    }

    @Test func aliasBombsAreRefused() {
        var diagnostics = DiagnosticCollector()
        var parser = YAMLParser(fileName: "f.yaml")
        parser.maxWeight = 1_000
        let bomb = """
            a: &a [x, x, x, x, x, x, x, x, x, x]
            b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
            c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
            """
        #expect(parser.parse(bomb, diagnostics: &diagnostics) == nil)
        #expect(diagnostics.items.map(\.description) == [
            "f.yaml:3:36: error: document too large: more than 1000 nodes (the limit), counting what aliases stand for"])
    }

    @Test func mappingKeysMustBeScalars() {
        var diagnostics = DiagnosticCollector()
        _ = YAMLParser(fileName: "f.yaml").parse("? [a, b]\n: 1\n", diagnostics: &diagnostics)
        #expect(diagnostics.items.map(\.description) == ["f.yaml:1:3: error: mapping keys must be scalars, got a list"])
    }

    @Test func explicitDocumentMarkersAreAccepted() throws {
        let graph = try SpecFixtures.compile("%YAML 1.2\n---\nname: y\nstages:\n  g: {kind: gen}\n...\n")
        #expect(graph.nodes.count == 1)
    }

    @Test func commentsOnlyIsAnEmptySpec() {
        #expect(SpecFixtures.errors("# nothing here\n\n") == [
            "spec.yaml:1:1: error: the spec is empty: it needs at least 'name' and 'stages'"])
    }

    @Test func anchorsInXKeysAreIgnoredAtTopLevel() throws {
        let graph = try SpecFixtures.compile("""
            name: y
            x-common: &common {count: 5}
            x-unused: {anything: [1, 2]}
            stages:
              g: {kind: gen, <<: *common}
            """)
        #expect(graph.nodes[0].params["count"] == .int(5))
    }

    @Test func compileFromFileUsesThePathInLocations() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lema-spec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("p.yaml")
        try "name: f\nstages:\n  g: {kind: gen, count: x}\n".write(to: file, atomically: true, encoding: .utf8)
        do {
            _ = try PipelineCompiler.compile(file: file, overrides: [], registry: SpecFixtures.registry)
            Issue.record("expected an error")
        } catch let e as SpecErrors {
            #expect(e.diagnostics.map(\.description) == ["\(file.path):3:25: error: expected an integer for 'count', got 'x'"])
        }
        try "name: f\nstages:\n  g: {kind: gen}\n".write(to: file, atomically: true, encoding: .utf8)
        let graph = try PipelineCompiler.compile(file: file, overrides: [], registry: SpecFixtures.registry)
        #expect(graph.specDirectory.standardizedFileURL.path == dir.standardizedFileURL.path)
    }
}
