import Foundation
import Testing
@testable import Engine

/// Shared beginning of the limit cases: a valid spec to append hostile parts to (lines 1–3).
private let validBase = "name: demo\nstages:\n  g: {kind: gen}\n"

/// `depth` flow lists inside each other, innermost holding `inner`.
private func nested(_ depth: Int, _ inner: String = "") -> String {
    String(repeating: "[", count: depth) + inner + String(repeating: "]", count: depth)
}

/// Specs over one limit each (inputs only as large as needed to cross it), with the exact diagnostics: every one
/// names file:line:col and the limit. Checked with the other broken specs (SpecErrorTests).
let specsOverLimits: [BrokenSpec] = [
    // 256 lists inside the root mapping: the 256th `[` (column 9 + 255) is the 257th level.
    BrokenSpec(label: "nesting", yaml: validBase + "x-deep: " + nested(300), expected: [
        "spec.yaml:4:264: error: lists and mappings nested more than 256 levels deep (the limit)"]),
    BrokenSpec(label: "nesting of block mappings", yaml: validBase + "x-deep:\n"
                + (1...260).map { String(repeating: " ", count: $0) + "k:\n" }.joined(), expected: [
        "spec.yaml:260:257: error: lists and mappings nested more than 256 levels deep (the limit)"]),
    BrokenSpec(label: "nesting through an alias", yaml: validBase + "x-a: &a \(nested(200, "1"))\nx-b: \(nested(100, "*a"))\n",
               expected: [
        "spec.yaml:5:106: error: lists and mappings nested more than 256 levels deep (the limit), counting what '*a' stands for"]),
    BrokenSpec(label: "alias bomb", yaml: validBase
                + "x-a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
                + (1...6).map { "x-\($0): &a\($0) [" + Array(repeating: $0 == 1 ? "*a" : "*a\($0 - 1)", count: 10).joined(separator: ", ") + "]\n" }.joined(),
               expected: [
        "spec.yaml:9:16: error: document too large: more than 250000 nodes (the limit), counting what aliases stand for"]),
    // Merged mappings keep each key once, but every source counts in full.
    BrokenSpec(label: "merge keys repeating one source", yaml: validBase
                + "x-a: &a {" + (0..<1000).map { "k\($0): 1" }.joined(separator: ", ") + "}\n"
                + "x-m: {<<: [" + Array(repeating: "*a", count: 300).joined(separator: ", ") + "]}\n", expected: [
        "spec.yaml:5:504: error: document too large: more than 250000 nodes (the limit), counting what aliases stand for"]),
    BrokenSpec(label: "long scalar", yaml: validBase + "x-long: " + String(repeating: "x", count: SpecLimits.maxScalarBytes + 1) + "\n",
               expected: [
        "spec.yaml:4:9: error: a value of 1048577 bytes is longer than the limit of 1048576 bytes"]),
    BrokenSpec(label: "spec size", yaml: validBase + "#" + String(repeating: "x", count: SpecLimits.maxSpecBytes), expected: [
        "spec.yaml:1:1: error: the spec is 10485797 bytes, more than the limit of 10485760 bytes (10 MiB)"]),

    // Names that become paths or identifiers.
    BrokenSpec(label: "pipeline name length", yaml: "name: " + String(repeating: "p", count: 101) + "\nstages:\n  g: {kind: gen}\n",
               expected: [
        "spec.yaml:1:7: error: pipeline name 'pppppppppppppppppppp… (101 bytes)' is 101 characters long, more than the limit of 100 (it names the directory runs/<name>/)"]),
    BrokenSpec(label: "pipeline name length in --set", yaml: validBase, overrides: ["name=" + String(repeating: "p", count: 300)],
               expected: [
        "--set:1:6: error: pipeline name 'pppppppppppppppppppp… (300 bytes)' is 300 characters long, more than the limit of 100 (it names the directory runs/<name>/)"]),
    BrokenSpec(label: "stage name length", yaml: "name: demo\nstages:\n  " + String(repeating: "s", count: 101) + ": {kind: gen}\n",
               expected: [
        "spec.yaml:3:3: error: stage name 'ssssssssssssssssssss… (101 bytes)' is 101 characters long, more than the limit of 100 (it names the directory nodes/<stage>-<fingerprint>/)"]),
    BrokenSpec(label: "parameter name length", yaml: "name: demo\nparams:\n  " + String(repeating: "q", count: 101) + ": 1\n"
                + "stages:\n  g: {kind: gen}\n", expected: [
        "spec.yaml:3:3: error: parameter name 'qqqqqqqqqqqqqqqqqqqq… (101 bytes)' is 101 characters long, more than the limit of 100 (it is part of variant names)"]),
    BrokenSpec(label: "artifact name length", yaml: validBase + "  s: {kind: sample, data: g." + String(repeating: "a", count: 101) + "}\n",
               expected: [
        "spec.yaml:4:27: error: artifact name 'aaaaaaaaaaaaaaaaaaaa… (101 bytes)' is 101 characters long, more than the limit of 100 (it names one of the stage's outputs)"]),
    BrokenSpec(label: "artifact name with a slash", yaml: validBase + "  s: {kind: sample, data: g.../x}\n", expected: [
        "spec.yaml:4:27: error: invalid artifact name '../x': it may not be '.' or '..', nor contain '/' or control characters"]),
    BrokenSpec(label: "artifact name '..'", yaml: validBase + "  s: {kind: sample, data: g...}\n", expected: [
        "spec.yaml:4:27: error: invalid artifact name '..': it may not be '.' or '..', nor contain '/' or control characters"]),
    BrokenSpec(label: "variant name with a control character",
               yaml: "name: demo\nparams: {r: 1}\nsweep:\n  variants:\n    - {name: \"a\\u0000b\", r: 2}\nstages:\n  g: {kind: gen}\n",
               expected: [
        "spec.yaml:5:14: error: invalid variant name 'a\u{0}b': it may not contain control characters (it is shown in tables and logs)"]),
    BrokenSpec(label: "grid variant name length",
               yaml: "name: demo\nparams: {r: 1}\nsweep:\n  grid:\n    r: [" + String(repeating: "v", count: 199) + "]\nstages:\n  g: {kind: gen}\n",
               expected: [
        "spec.yaml:4:3: error: variant name 'r=vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv… (201 bytes)' is 201 characters long, more than the limit of 200: sweep shorter values, or list the variant under 'variants:' with a short 'name:'"]),

    // Sweeps whose product explodes.
    BrokenSpec(label: "grid variants",
               yaml: "name: demo\nparams: {a: 1, b: 1}\nsweep:\n  grid:\n    a: \(Array(0..<1000))\n    b: \(Array(0..<1000))\nstages:\n  g: {kind: gen}\n",
               expected: [
        "spec.yaml:4:3: error: the sweep grid makes 1000000 variants, more than the limit of 100000"]),
    BrokenSpec(label: "grid axes × variants",
               yaml: "name: demo\nparams: {" + (0..<70).map { "p\($0): 0" }.joined(separator: ", ") + "}\nsweep:\n  grid: {"
                + (0..<70).map { "p\($0): \($0 < 16 ? "[0, 1]" : "[0]")" }.joined(separator: ", ") + "}\nstages:\n  g: {kind: gen}\n",
               expected: [
        "spec.yaml:4:3: error: the sweep grid makes 65536 variants of 70 values each, more than the limit of 1000000 values in all"]),
    BrokenSpec(label: "variants × stages",
               yaml: "name: demo\nparams: {a: 1, b: 1}\nsweep:\n  grid:\n    a: \(Array(0..<400))\n    b: \(Array(0..<250))\nstages:\n"
                + (0..<41).map { "  s\($0): {kind: gen}\n" }.joined(),
               expected: [
        "spec.yaml:3:1: error: expanding the spec into nodes takes more than 1000000 steps (the limit): 100000 variants × 41 stages, with the parameter values each copies and reads and the inputs each node gathers; sweep fewer variants, or keep large values out of swept stages"]),
]

@Suite("Spec limits")
struct SpecLimitsTests {
    @Test func specsAtTheLimitsCompile() throws {
        let atLimits = "name: " + String(repeating: "p", count: 100) + "\nparams:\n  " + String(repeating: "q", count: 100)
            + ": 1\nstages:\n  " + String(repeating: "s", count: 100) + ": {kind: gen}\n"
            + "x-deep: " + nested(255) + "\n"
        let graph = try SpecFixtures.compile(atLimits)
        #expect(graph.pipelineName.count == 100)
        #expect(graph.nodes.map(\.stage) == [String(repeating: "s", count: 100)])
    }

    /// The node limit, lowered so the test stays small: 20 variants × a chain of 6 stages whose head reads the
    /// swept value make 120 nodes (from 25 resolutions).
    @Test(arguments: [(100, false), (120, true)])
    func graphNodesAreBounded(maxNodes: Int, accepted: Bool) throws {
        var yaml = "name: demo\nparams: {p: 0}\nsweep:\n  grid: {p: \(Array(0..<20))}\nstages:\n  s0: {kind: gen, count: \"${params.p}\"}\n"
        yaml += (1..<6).map { "  s\($0): {kind: noop, after: [s\($0 - 1)]}\n" }.joined()
        var diagnostics = DiagnosticCollector()
        let parsed = YAMLParser(fileName: "spec.yaml").parse(yaml, diagnostics: &diagnostics)
        let root = try #require(parsed)
        var reader = SpecReader(fileName: "spec.yaml", registry: SpecFixtures.registry, diagnostics: diagnostics)
        let read = reader.read(root, overriddenParams: [:])
        let spec = try #require(read)
        diagnostics = reader.diagnostics
        let graph = GraphBuilder.build(spec, specDirectory: URL(fileURLWithPath: "/tmp"), diagnostics: &diagnostics,
                                       maxNodes: maxNodes)
        #expect((graph?.nodes.count == 120) == accepted)
        #expect(diagnostics.items.map(\.description) == (accepted ? [] : [
            "spec.yaml:3:1: error: the graph has more than 100 nodes (the limit): 20 variants × 6 stages; sweep fewer variants, or let fewer stages read the swept parameters"]))
    }

    /// A file is read only up to one byte over the limit (a pipe that never ends is refused as well).
    @Test func oversizedFilesAreRefusedBeforeTheyAreRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lema-limits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("big.yaml")
        try Data(count: SpecLimits.maxSpecBytes + 5).write(to: file)
        let errors = #expect(throws: SpecErrors.self) {
            try PipelineCompiler.compile(file: file, overrides: [], registry: SpecFixtures.registry)
        }
        #expect(errors?.diagnostics.map(\.description) == [
            "\(file.relativePath):1:1: error: the spec is 10485765 bytes, more than the limit of 10485760 bytes (10 MiB)"])
        let pipe = #expect(throws: SpecErrors.self) {
            try PipelineCompiler.compile(file: URL(fileURLWithPath: "/dev/zero"), overrides: [], registry: SpecFixtures.registry)
        }
        #expect(pipe?.diagnostics.map(\.message) == [
            "the spec is longer than the limit of 10485760 bytes (10 MiB)"])
    }

    @Test func tooManyErrorsAreCutAtTheLimitWithOneLineSayingSo() {
        let keys = (0..<150).map { "bad\($0): 1\n" }.joined()
        let errors = SpecFixtures.errors(validBase + keys)
        #expect(errors.count == SpecLimits.maxErrors + 1)
        #expect(errors.first == "spec.yaml:4:1: error: unknown top-level key 'bad0' (allowed: name, description, seed, replicates, params, sweep, stages, executor, or x-… for anchors)")
        #expect(errors.last == "error: too many errors: stopped after the first 100 (the limit); fix these and compile again")
    }

    @Test func longValuesAreShortenedInMessages() {
        let value = String(repeating: "x", count: 5000)
        let errors = SpecFixtures.errors("name: demo\nstages:\n  g: {kind: gen, count: \(value)}\n")
        #expect(errors == ["spec.yaml:3:25: error: expected an integer for 'count', got '\(String(repeating: "x", count: 60))… (5000 bytes)'"])
    }

    @Test func longWordsGetNoSuggestion() {
        func errors(length: Int) -> [String] {
            let name = String(repeating: "a", count: length)
            return SpecFixtures.errors("name: demo\nstages:\n  \(name): {kind: gen}\n  s: {kind: sample, data: \(name.dropLast())b}\n")
        }
        #expect(errors(length: 64).first?.hasSuffix("— did you mean '\(String(repeating: "a", count: 64))'?") == true)
        #expect(errors(length: 65).first?.contains("did you mean") == false)
    }

    /// The banded distance with a limit agrees with the full table wherever the result is within the limit.
    @Test func bandedDistanceAgreesWithTheFullTable() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("abc".unicodeScalars)
        for _ in 0..<2000 {
            let a = (0..<Int.random(in: 0...9, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            let b = (0..<Int.random(in: 0...9, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            let full = Suggestions.distance(a, b)
            for limit in 1...3 {
                let banded = Suggestions.distance(a, b, limit: limit)
                #expect(full <= limit ? banded == full : banded > limit, "\(a) \(b) limit \(limit)")
            }
        }
    }

    /// Stages downstream of a cycle, and groups with many cycles, are reported once per group (this used to search
    /// from every such stage: quadratic).
    @Test func cyclesAreReportedOncePerGroup() {
        var yaml = "name: demo\nstages:\n  a: {kind: sample, data: b}\n  b: {kind: sample, data: a}\n"
        yaml += "  c0: {kind: sample, data: a}\n" + (1..<2000).map { "  c\($0): {kind: sample, data: c\($0 - 1)}\n" }.joined()
        yaml += "  hub: {kind: noop, after: [" + (0..<500).map { "p\($0)" }.joined(separator: ", ") + "]}\n"
        yaml += (0..<500).map { "  p\($0): {kind: sample, data: hub}\n" }.joined()
        #expect(SpecFixtures.errors(yaml) == [
            "spec.yaml:3:3: error: dependency cycle: a → b → a",
            "spec.yaml:2005:3: error: dependency cycle: hub → p0 → hub"])
    }
}
