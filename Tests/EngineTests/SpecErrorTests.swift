import Foundation
import Testing
@testable import Engine

/// A spec that must not compile, with every diagnostic it must produce (exact location and text, sorted).
struct BrokenSpec: CustomTestStringConvertible, Sendable {
    var label: String
    var yaml: String
    var overrides: [String] = []
    var expected: [String]
    var testDescription: String { label }
}

/// Shared beginning of the `train` cases: lines 1–7.
private let trainBase = """
name: demo
stages:
  g: {kind: gen}
  t:
    kind: train
    data: g
    steps: 3

"""

/// Shared spec of the `--set` cases.
private let overrideBase = """
name: demo
params:
  ratio: 0.5
stages:
  g: {kind: gen}
  t:
    kind: train
    data: g
    steps: 3
    ratio: ${params.ratio}
"""

private let kindList = "gen, noop, report, sample, train"

let brokenSpecs: [BrokenSpec] = [
    // Document shape
    BrokenSpec(label: "empty document", yaml: "", expected: [
        "spec.yaml:1:1: error: the spec is empty: it needs at least 'name' and 'stages'"]),
    BrokenSpec(label: "top level is a list", yaml: "- a\n- b\n", expected: [
        "spec.yaml:1:1: error: a spec must be a mapping with the keys name, stages and optionally seed, params, sweep; got a list"]),
    BrokenSpec(label: "two documents", yaml: "name: demo\nstages:\n  a: {kind: gen}\n---\nname: other\n", expected: [
        "spec.yaml:4:1: error: a spec must be a single YAML document; remove this '---' and what follows"]),
    BrokenSpec(label: "YAML syntax error", yaml: "name: demo\nstages:\n  a: [kind\n", expected: [
        "spec.yaml:4:1: error: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 3, column 6)"]),
    BrokenSpec(label: "duplicate key", yaml: "name: demo\nstages:\n  a: {kind: gen}\n  a: {kind: noop}\n", expected: [
        "spec.yaml:4:3: error: duplicate key 'a' (first defined at line 3, column 3)"]),
    BrokenSpec(label: "unknown alias", yaml: "name: demo\nstages:\n  a: *nope\n", expected: [
        "spec.yaml:3:6: error: unknown alias '*nope': define the anchor '&nope' before using it"]),
    BrokenSpec(label: "infinity in params", yaml: "name: demo\nparams:\n  x: .inf\nstages:\n  a: {kind: gen}\n", expected: [
        "spec.yaml:3:6: error: '.inf' is not supported: values must be representable in JSON"]),

    // Top-level keys
    BrokenSpec(label: "unknown top-level key with suggestion", yaml: "name: demo\nstage:\n  a: {kind: gen}\n", expected: [
        "spec.yaml:1:1: error: missing required key 'stages' (a mapping from stage name to its definition)",
        "spec.yaml:2:1: error: unknown top-level key 'stage' — did you mean 'stages'?"]),
    BrokenSpec(label: "unknown top-level key without suggestion", yaml: "name: demo\ncolour: red\nstages:\n  a: {kind: gen}\n", expected: [
        "spec.yaml:2:1: error: unknown top-level key 'colour' (allowed: name, description, seed, replicates, params, sweep, stages, executor, or x-… for anchors)"]),
    BrokenSpec(label: "missing name", yaml: "stages:\n  a: {kind: gen}\n", expected: [
        "spec.yaml:1:1: error: missing required key 'name' (the pipeline's name, e.g. name: lema-mini)"]),
    BrokenSpec(label: "invalid name", yaml: "name: my pipe\nstages:\n  a: {kind: gen}\n", expected: [
        "spec.yaml:1:7: error: invalid pipeline name 'my pipe': use letters, digits, '.', '_' and '-' (it names the runs/ directory)"]),
    BrokenSpec(label: "negative seed", yaml: "name: demo\nseed: -3\nstages:\n  a: {kind: gen}\n", expected: [
        "spec.yaml:2:7: error: expected a non-negative integer for 'seed', got '-3'"]),
    BrokenSpec(label: "empty stages", yaml: "name: demo\nstages: {}\n", expected: [
        "spec.yaml:2:9: error: expected a non-empty mapping from stage name to definition for 'stages', got an empty mapping"]),

    // Stages and kinds
    BrokenSpec(label: "invalid stage name", yaml: "name: demo\nstages:\n  a.b: {kind: gen}\n", expected: [
        "spec.yaml:3:3: error: invalid stage name 'a.b': use letters, digits, '_' and '-', starting with a letter or '_' (a dot separates STAGE.ARTIFACT in references)"]),
    BrokenSpec(label: "unknown kind with suggestion", yaml: "name: demo\nstages:\n  a:\n    kind: gne\n", expected: [
        "spec.yaml:4:11: error: unknown stage kind 'gne' — did you mean 'gen'?"]),
    BrokenSpec(label: "unknown kind without suggestion", yaml: "name: demo\nstages:\n  a:\n    kind: zzzzzz\n", expected: [
        "spec.yaml:4:11: error: unknown stage kind 'zzzzzz' (known kinds: \(kindList))"]),
    BrokenSpec(label: "missing kind", yaml: "name: demo\nstages:\n  a:\n    retries: 1\n", expected: [
        "spec.yaml:3:3: error: stage 'a' has no 'kind' (known kinds: \(kindList))"]),
    BrokenSpec(label: "unknown stage key with suggestion",
               yaml: "name: demo\nstages:\n  g: {kind: gen}\n  t:\n    kind: train\n    data: g\n    stpes: 3\n", expected: [
        "spec.yaml:4:3: error: stage 't' (kind 'train') is missing required parameter 'steps' (an integer)",
        "spec.yaml:7:5: error: unknown key 'stpes' in stage 't' (kind 'train') — did you mean 'steps'?"]),
    BrokenSpec(label: "unknown stage key without suggestion", yaml: "name: demo\nstages:\n  g:\n    kind: gen\n    colour: red\n", expected: [
        "spec.yaml:5:5: error: unknown key 'colour' in stage 'g' (kind 'gen') — kind 'gen' accepts: count, mode, source; every stage also accepts: after, executor, reseed, resources, retries, threads, timeout"]),
    BrokenSpec(label: "missing required parameters", yaml: "name: demo\nstages:\n  g: {kind: gen}\n  t:\n    kind: train\n", expected: [
        "spec.yaml:4:3: error: stage 't' (kind 'train') is missing required parameter 'data' (a stage reference (STAGE or STAGE.ARTIFACT))",
        "spec.yaml:4:3: error: stage 't' (kind 'train') is missing required parameter 'steps' (an integer)"]),

    // Types
    BrokenSpec(label: "integer expected", yaml: "name: demo\nstages:\n  g: {kind: gen}\n  t:\n    kind: train\n    data: g\n    steps: abc\n", expected: [
        "spec.yaml:7:12: error: expected an integer for 'steps', got 'abc'"]),
    BrokenSpec(label: "integer expected, float given", yaml: "name: demo\nstages:\n  g: {kind: gen}\n  t:\n    kind: train\n    data: g\n    steps: 2.5\n", expected: [
        "spec.yaml:7:12: error: expected an integer for 'steps', got '2.5'"]),
    BrokenSpec(label: "number expected", yaml: trainBase + "    lr: fast\n", expected: [
        "spec.yaml:8:9: error: expected a number for 'lr', got 'fast'"]),
    BrokenSpec(label: "null for a parameter with a non-null default", yaml: trainBase + "    lr: ~\n", expected: [
        "spec.yaml:8:9: error: expected a number for 'lr', got null"]),
    BrokenSpec(label: "boolean expected", yaml: trainBase + "    flag: yes\n", expected: [
        "spec.yaml:8:11: error: expected true or false for 'flag', got 'yes'"]),
    BrokenSpec(label: "list element type", yaml: trainBase + "    tags: [a, [b]]\n", expected: [
        "spec.yaml:8:15: error: expected a string for 'tags[1]', got a list"]),
    BrokenSpec(label: "mapping value type", yaml: trainBase + "    extra: {a: 1, b: x}\n", expected: [
        "spec.yaml:8:22: error: expected an integer for 'extra.b', got 'x'"]),
    BrokenSpec(label: "choice with suggestion", yaml: "name: demo\nstages:\n  g:\n    kind: gen\n    mode: fsat\n", expected: [
        "spec.yaml:5:11: error: expected one of 'fast', 'slow' for 'mode', got 'fsat' — did you mean 'fast'?"]),
    BrokenSpec(label: "kind-specific validation", yaml: "name: demo\nstages:\n  g: {kind: gen}\n  t:\n    kind: train\n    data: g\n    steps: 0\n", expected: [
        "spec.yaml:7:12: error: invalid 'steps' in stage 't': must be positive (got 0)"]),
    BrokenSpec(label: "negative retries", yaml: trainBase + "    retries: -1\n", expected: [
        "spec.yaml:8:14: error: expected an integer ≥ 0 for 'retries', got '-1'"]),
    BrokenSpec(label: "zero threads", yaml: trainBase + "    threads: 0\n", expected: [
        "spec.yaml:8:14: error: expected an integer ≥ 1 for 'threads', got '0'"]),
    BrokenSpec(label: "bad timeout", yaml: trainBase + "    timeout: soon\n", expected: [
        "spec.yaml:8:14: error: expected a positive duration for 'timeout' (seconds, or like '90s', '10m', '2h'), got 'soon'"]),

    // References and cycles
    BrokenSpec(label: "reference to a missing stage", yaml: "name: demo\nstages:\n  sample: {kind: gen}\n  t:\n    kind: train\n    data: sampel\n    steps: 3\n", expected: [
        "spec.yaml:6:11: error: reference to unknown stage 'sampel' — did you mean 'sample'?"]),
    BrokenSpec(label: "list given for a single reference", yaml: "name: demo\nstages:\n  g: {kind: gen}\n  t:\n    kind: train\n    data: [g]\n    steps: 3\n", expected: [
        "spec.yaml:6:11: error: expected a stage reference (STAGE or STAGE.ARTIFACT) for 'data', got a list"]),
    BrokenSpec(label: "after names a missing stage", yaml: "name: demo\nstages:\n  gen: {kind: gen}\n  n:\n    kind: noop\n    after: [gen, gne]\n", expected: [
        "spec.yaml:6:18: error: reference to unknown stage 'gne' — did you mean 'gen'?"]),
    BrokenSpec(label: "interpolated reference", yaml: "name: demo\nparams:\n  src: g\nstages:\n  g: {kind: gen}\n  s: {kind: sample, data: \"${params.src}\"}\n", expected: [
        "spec.yaml:6:27: error: references cannot use ${params.…} interpolation in 'data': the graph's shape may not depend on parameters"]),
    BrokenSpec(label: "three-stage cycle", yaml: "name: demo\nstages:\n  a: {kind: sample, data: c}\n  b: {kind: sample, data: a}\n  c: {kind: sample, data: b}\n", expected: [
        "spec.yaml:3:3: error: dependency cycle: a → b → c → a"]),
    BrokenSpec(label: "two cycles and a stage downstream of one",
               yaml: "name: demo\nstages:\n  a: {kind: sample, data: b}\n  b: {kind: sample, data: a}\n  c: {kind: sample, data: a}\n  d: {kind: sample, data: d}\n",
               expected: [
        "spec.yaml:3:3: error: dependency cycle: a → b → a",
        "spec.yaml:6:3: error: dependency cycle: d → d"]),
    BrokenSpec(label: "stage reading itself", yaml: "name: demo\nstages:\n  a: {kind: sample, data: a}\n", expected: [
        "spec.yaml:3:3: error: dependency cycle: a → a"]),

    // Sweeps
    BrokenSpec(label: "grid sets an undeclared parameter", yaml: "name: demo\nparams:\n  ratio: 0.5\nsweep:\n  grid:\n    ratoi: [0.1, 0.2]\nstages:\n  g: {kind: gen}\n", expected: [
        "spec.yaml:6:5: error: sweep grid sets 'ratoi', which is not declared under 'params' — did you mean 'ratio'?"]),
    BrokenSpec(label: "grid value is not a list", yaml: "name: demo\nparams:\n  ratio: 0.5\nsweep:\n  grid:\n    ratio: 0.5\nstages:\n  g: {kind: gen}\n", expected: [
        "spec.yaml:6:12: error: expected a list of values for 'ratio' in the sweep grid, got '0.5' (write [0.5] for one value)"]),
    BrokenSpec(label: "grid value is an empty list", yaml: "name: demo\nparams:\n  ratio: 0.5\nsweep:\n  grid:\n    ratio: []\nstages:\n  g: {kind: gen}\n", expected: [
        "spec.yaml:6:12: error: empty list of values for 'ratio' in the sweep grid (it would make no variants)"]),
    BrokenSpec(label: "unknown sweep key", yaml: "name: demo\nparams:\n  ratio: 0.5\nsweep:\n  gird:\n    ratio: [1]\nstages:\n  g: {kind: gen}\n", expected: [
        "spec.yaml:5:3: error: unknown key 'gird' in 'sweep' — did you mean 'grid'?"]),
    BrokenSpec(label: "duplicate variant names", yaml: "name: demo\nparams:\n  ratio: 0.5\nsweep:\n  variants:\n    - {name: a, ratio: 0.1}\n    - {name: a, ratio: 0.2}\nstages:\n  g: {kind: gen}\n", expected: [
        "spec.yaml:7:7: error: duplicate variant 'a' (same as the variant at line 6, column 7)"]),
    BrokenSpec(label: "variant with nothing in it", yaml: "name: demo\nparams:\n  ratio: 0.5\nsweep:\n  variants:\n    - {}\nstages:\n  g: {kind: gen}\n", expected: [
        "spec.yaml:6:7: error: a variant needs a 'name' or at least one parameter value"]),

    // Interpolation
    BrokenSpec(label: "undefined parameter", yaml: "name: demo\nparams:\n  steps: 5\nstages:\n  g: {kind: gen}\n  t:\n    kind: train\n    data: g\n    steps: ${params.stesp}\n", expected: [
        "spec.yaml:9:12: error: undefined parameter 'stesp' in ${params.stesp} — did you mean 'steps'?"]),
    BrokenSpec(label: "unsupported interpolation", yaml: "name: demo\nstages:\n  g:\n    kind: gen\n    source: ${foo}\n", expected: [
        "spec.yaml:5:13: error: unsupported interpolation '${foo}': only ${params.NAME} is supported (write $${ for a literal '${')"]),
    BrokenSpec(label: "unterminated interpolation", yaml: "name: demo\nstages:\n  g:\n    kind: gen\n    source: \"x-${params.a\"\n", expected: [
        "spec.yaml:5:13: error: unterminated '${' in 'x-${params.a': write ${params.NAME} (or $${ for a literal '${')"]),
    BrokenSpec(label: "interpolated value of the wrong type", yaml: "name: demo\nparams:\n  steps: abc\nstages:\n  g: {kind: gen}\n  t:\n    kind: train\n    data: g\n    steps: ${params.steps}\n", expected: [
        "spec.yaml:9:12: error: expected an integer for 'steps', got 'abc'"]),

    // --set
    BrokenSpec(label: "--set without '='", yaml: overrideBase, overrides: ["ratio"], expected: [
        "--set:1:1: error: bad --set 'ratio': expected key=value (for example ratio=0.5)"]),
    BrokenSpec(label: "--set of an unknown parameter", yaml: overrideBase, overrides: ["ratio=0.1", "ratoi=3"], expected: [
        "--set:2:1: error: unknown parameter 'ratoi' in --set 'ratoi=3' — did you mean 'ratio'?"]),
    BrokenSpec(label: "--set of an unknown key", yaml: overrideBase, overrides: ["foo.bar=1"], expected: [
        "--set:1:1: error: unknown key 'foo.bar' in --set 'foo.bar=1': use PARAM=VALUE, seed=N, replicates=N, name=NAME or stages.STAGE.KEY=VALUE"]),
    BrokenSpec(label: "--set of an unknown stage", yaml: overrideBase, overrides: ["stages.trian.steps=1"], expected: [
        "--set:1:1: error: unknown stage 'trian' in --set 'stages.trian.steps=1'"]),
    BrokenSpec(label: "--set with a value of the wrong type", yaml: overrideBase, overrides: ["stages.t.steps=abc"], expected: [
        "--set:1:16: error: expected an integer for 'steps', got 'abc'"]),
    BrokenSpec(label: "--set of a bad seed", yaml: overrideBase, overrides: ["seed=x"], expected: [
        "--set:1:6: error: expected a non-negative integer for 'seed', got 'x'"]),
    BrokenSpec(label: "--set of a swept parameter",
               yaml: "name: demo\nparams:\n  ratio: 0.5\nsweep:\n  grid:\n    ratio: [0.1, 0.2]\nstages:\n  g: {kind: gen}\n",
               overrides: ["ratio=0.3"], expected: [
        "--set:1:1: error: --set overrides 'ratio', which the sweep varies (spec.yaml:6:5); remove it from the sweep or drop the --set"]),

    // Several problems at once: all reported, sorted by location.
    BrokenSpec(label: "several problems", yaml: """
        name: demo
        colour: red
        stages:
          g: {kind: gne}
          t:
            kind: train
            data: h
            steps: many
        """, expected: [
        "spec.yaml:2:1: error: unknown top-level key 'colour' (allowed: name, description, seed, replicates, params, sweep, stages, executor, or x-… for anchors)",
        "spec.yaml:4:13: error: unknown stage kind 'gne' — did you mean 'gen'?",
        "spec.yaml:7:11: error: reference to unknown stage 'h'",
        "spec.yaml:8:12: error: expected an integer for 'steps', got 'many'"]),
]

@Suite("Spec errors")
struct SpecErrorTests {
    @Test("broken spec is rejected with exact locations and messages", arguments: brokenSpecs + specsOverLimits)
    func brokenSpec(_ case_: BrokenSpec) {
        #expect(SpecFixtures.errors(case_.yaml, overrides: case_.overrides) == case_.expected)
    }

    @Test func tableIsLargeEnough() {
        #expect(brokenSpecs.count >= 30)
    }

    @Test func descriptionJoinsDiagnosticsOneLineEach() {
        do {
            _ = try SpecFixtures.compile("name: demo\nstage: {}\nseed: x\n")
            Issue.record("expected errors")
        } catch let e as SpecErrors {
            #expect(e.description == """
                spec.yaml:1:1: error: missing required key 'stages' (a mapping from stage name to its definition)
                spec.yaml:2:1: error: unknown top-level key 'stage' — did you mean 'stages'?
                spec.yaml:3:7: error: expected a non-negative integer for 'seed', got 'x'
                """)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func unreadableFileIsReported() {
        let url = URL(fileURLWithPath: "/nonexistent/dir/spec.yaml")
        #expect(throws: SpecErrors.self) {
            try PipelineCompiler.compile(file: url, overrides: [], registry: SpecFixtures.registry)
        }
    }
}
