import Foundation
import Slurm
import Testing
@testable import Engine

/// `executor:` (top level and per stage) and `resources:` per stage: validated like every key, carried on the node,
/// never in the fingerprint.
@Suite("Spec: executor and resources")
struct SpecExecutorTests {
    static let spec = """
    name: demo
    executor: {kind: slurm, partition: cpu, account: lab, qos: normal, max_jobs: 8, poll_interval: 2s, extra_args: [--nice=5]}
    stages:
      g:
        kind: gen
        threads: 2
      t:
        kind: train
        data: g
        steps: 3
        executor: {partition: gpu, extra_args: [--exclusive]}
        resources: {cpus: 4, mem: 16G, gpus: 1, time: 2h, qos: long, constraint: a100, extra_args: [--comment=x]}
      r:
        kind: report
        runs: t
        executor: local
    """

    @Test("top-level settings, stage overrides and resources merge onto each node")
    func merged() throws {
        let graph = try SpecFixtures.compile(Self.spec)
        #expect(graph.executor == ExecutorSettings(kind: .slurm, partition: "cpu", account: "lab", qos: "normal",
                                                   maxJobs: 8, pollInterval: 2, extraArgs: ["--nice=5"]))
        let g = try #require(graph.nodes(ofStage: "g").first)
        #expect(g.execution == NodeExecution(executor: .slurm, resources: JobResources(
            cpus: 2, partition: "cpu", account: "lab", qos: "normal", extraArgs: ["--nice=5"])))
        let t = try #require(graph.nodes(ofStage: "t").first)
        #expect(t.execution == NodeExecution(executor: .slurm, resources: JobResources(
            cpus: 4, memoryMiB: 16_384, gpus: 1, timeLimit: 7200, partition: "gpu", account: "lab", qos: "long",
            constraint: "a100", extraArgs: ["--nice=5", "--exclusive", "--comment=x"])))
        #expect(try #require(graph.nodes(ofStage: "r").first).execution.executor == .local)
    }

    @Test("no executor: everything local with the cluster's defaults")
    func defaults() throws {
        let graph = try SpecFixtures.compile("name: demo\nstages:\n  g: {kind: gen}\n")
        #expect(graph.executor == ExecutorSettings())
        #expect(graph.nodes[0].execution == NodeExecution(executor: .local, resources: JobResources(cpus: 1)))
    }

    @Test("changing executor or resources never changes a fingerprint")
    func notFingerprinted() throws {
        let plain = try SpecFixtures.compile("""
        name: demo
        stages:
          g: {kind: gen}
          t: {kind: train, data: g, steps: 3}
        """)
        let moved = try SpecFixtures.compile(Self.spec)
        for stage in ["g", "t"] {
            let before = try #require(plain.nodes(ofStage: stage).first)
            let after = try #require(moved.nodes(ofStage: stage).first)
            #expect(after.id == before.id)
            #expect(after.execution != before.execution)
        }
    }

    @Test("resources can use ${params.…}; a sweep over them shares the node")
    func interpolated() throws {
        let graph = try SpecFixtures.compile("""
        name: demo
        params: {mem: 2G}
        sweep: {grid: {mem: [2G, 4G]}}
        stages:
          g: {kind: gen, resources: {mem: "${params.mem}", time: "1-00:00:00"}}
        """)
        #expect(graph.nodes.count == 1)
        #expect(graph.nodes[0].execution.resources.memoryMiB == 2048)
        #expect(graph.nodes[0].execution.resources.timeLimit == 86_400)
    }

    @Test("bad executor and resources values are reported where they are written", arguments: [
        ("executor: slrum\n", ["spec.yaml:2:11: error: unknown executor 'slrum' — did you mean 'slurm'?"]),
        ("executor: {partition: gpu}\n", ["spec.yaml:2:11: error: the top-level 'executor' mapping needs 'kind' (local or slurm)"]),
        ("executor: {kind: slurm, max_job: 3}\n", ["spec.yaml:2:25: error: unknown key 'max_job' in 'executor' — did you mean 'max_jobs'?"]),
        ("executor: {kind: slurm, max_jobs: 0}\n", ["spec.yaml:2:35: error: expected an integer ≥ 1 for 'max_jobs', got '0'"]),
        ("executor: {kind: slurm, poll_interval: soon}\n",
         ["spec.yaml:2:40: error: expected a positive duration (seconds, or like '500ms', '5s', '1m') for 'poll_interval', got 'soon'"]),
        ("executor: [slurm]\n",
         ["spec.yaml:2:11: error: expected 'local', 'slurm' or a mapping such as {kind: slurm, partition: gpu} for 'executor', got a list"]),
        ("executor: {kind: slurm, extra_args: [--job-name=x, nice]}\n", [
            "spec.yaml:2:38: error: '--job-name' cannot be set in 'extra_args': lema sets it to identify and track the job",
            "spec.yaml:2:52: error: expected an sbatch option starting with '-' in 'extra_args' (write options with a value as --option=value), got 'nice'"]),
    ])
    func topLevelErrors(line: String, expected: [String]) {
        #expect(SpecFixtures.errors("name: demo\n" + line + "stages:\n  g: {kind: gen}\n") == expected)
    }

    @Test("bad stage executor and resources values are reported where they are written", arguments: [
        ("resources: {cpu: 2}", ["spec.yaml:3:30: error: unknown key 'cpu' in 'resources' in stage 'g' — did you mean 'cpus'?"]),
        ("resources: {mem: 4GB}", ["spec.yaml:3:35: error: expected a memory size in MiB or with a unit (512M, 16G, 1T) for 'mem' in stage 'g', got '4GB'"]),
        ("resources: {gpus: -1}", ["spec.yaml:3:36: error: expected an integer ≥ 0 for 'gpus' in stage 'g', got '-1'"]),
        ("resources: {time: 0}", ["spec.yaml:3:36: error: expected a positive time limit (seconds, '90m', '2h', '1d', or Slurm's '1-12:00:00') for 'time' in stage 'g', got '0'"]),
        ("resources: {partition: a b}", ["spec.yaml:3:41: error: expected a name without spaces for 'partition' in stage 'g', got 'a b'"]),
        ("resources: 4", ["spec.yaml:3:29: error: expected a mapping such as {cpus: 4, mem: 16G, gpus: 1, time: 2h} for 'resources' in stage 'g', got '4'"]),
        ("executor: {max_jobs: 2}", ["spec.yaml:3:29: error: 'max_jobs' applies to the whole run: set it under the top-level 'executor'"]),
        ("executor: {kind: slurm, qos: }", ["spec.yaml:3:47: error: expected a name without spaces for 'qos' in stage 'g', got null"]),
        ("resourcs: {cpus: 2}", ["spec.yaml:3:18: error: unknown key 'resourcs' in stage 'g' (kind 'gen') — did you mean 'resources'?"]),
    ])
    func stageErrors(entry: String, expected: [String]) {
        #expect(SpecFixtures.errors("name: demo\nstages:\n  g: {kind: gen, \(entry)}\n") == expected)
    }
}
