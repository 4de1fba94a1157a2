import Foundation
import LemaCore
import StageAPI

/// `PipelineSpec` → `Graph`: orders stages, resolves each (variant, stage), fingerprints in topological order and
/// merges identical nodes across variants.
enum GraphBuilder {
    /// The graph, or nil when a problem was found (reported in `diagnostics`). Type and validation problems of every
    /// variant are collected even when the stage graph has a cycle.
    /// `maxNodes` is `SpecLimits.maxGraphNodes` except in tests.
    static func build(_ spec: PipelineSpec, specDirectory: URL, diagnostics: inout DiagnosticCollector,
                      maxNodes: Int = SpecLimits.maxGraphNodes) -> Graph? {
        let order = StageOrder.topological(spec.stages, diagnostics: &diagnostics)
        let defaults = Dictionary(spec.params.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        let defaultWeights = defaults.mapValues(\.nodeCount)
        var budget = ExpansionBudget(spec: spec, maxNodes: maxNodes)
        // One step per (variant, stage) pair at least: refuse a huge product before resolving anything.
        let pairs = spec.variants.count.multipliedReportingOverflow(by: spec.stages.count)
        budget.spend(pairs.overflow ? Int.max : pairs.partialValue)
        guard budget.check(plus: 0, &diagnostics) else { return nil }
        var resolver = StageResolver(stageCount: spec.stages.count)
        resolver.runExecutor = spec.executor
        var resolved: [[Int?]] = []  // [variant][stage] → resolution id
        resolved.reserveCapacity(spec.variants.count)
        var variantValues: [[String: JSONValue]] = []
        variantValues.reserveCapacity(spec.variants.count)
        for variant in spec.variants {
            var values = defaults
            var weights: [String: Int] = [:]
            for (name, value) in variant.values {
                values[name] = value
                weights[name] = value.nodeCount
            }
            // Setting a value copies the defaults; each stage's cache key writes the values it reads.
            budget.spend(variant.values.isEmpty ? 0 : defaults.count + weights.values.reduce(0, &+))
            for stage in spec.stages {
                budget.spend(stage.usedParams.reduce(0) { $0 &+ (weights[$1] ?? defaultWeights[$1] ?? 1) })
            }
            guard budget.check(plus: resolver.resolvedWeight, &diagnostics),
                  budget.checkNodes(resolver.resolutions.count, &diagnostics) else { return nil }
            variantValues.append(values)
            resolved.append(spec.stages.map { resolver.resolve($0, values: values) })
        }
        guard budget.check(plus: resolver.resolvedWeight, &diagnostics) else { return nil }
        diagnostics.merge(resolver.diagnostics)
        guard let order, diagnostics.isEmpty, !spec.variants.isEmpty else { return nil }

        var assembler = NodeAssembler(spec: spec, resolutions: resolver.resolutions)
        // Stage-major so a `gather` input can see its producer's nodes in every variant.
        for s in order {
            for v in spec.variants.indices {
                guard let id = resolved[v][s] else { return nil }
                assembler.add(stage: s, variant: v, resolution: id)
                if assembler.nodes.count > maxNodes {
                    _ = budget.checkNodes(assembler.nodes.count, &diagnostics)
                    return nil
                }
            }
            guard budget.check(plus: resolver.resolvedWeight &+ assembler.edgeCount, &diagnostics) else { return nil }
        }
        return assembler.graph(order: order, variantValues: variantValues, specDirectory: specDirectory)
    }
}

/// Counts the steps of expanding a spec (every variant of its sweep) into nodes (`SpecLimits.maxExpansionSteps`), so a spec whose parts are
/// each within their limits but whose product is not is refused with a message instead of compiled for minutes.
private struct ExpansionBudget {
    let variants: Int
    let stages: Int
    let location: SourceLocation?
    let maxNodes: Int
    private(set) var spent = 0

    init(spec: PipelineSpec, maxNodes: Int) {
        variants = spec.variants.count
        stages = spec.stages.count
        location = spec.sweepLocation
        self.maxNodes = maxNodes
    }

    /// Saturating: a product that overflows counts as the largest number.
    mutating func spend(_ steps: Int) {
        let sum = spent.addingReportingOverflow(steps)
        spent = sum.overflow ? Int.max : sum.partialValue
    }

    /// False (after reporting) once the steps spent here and `plus` (counted elsewhere) exceed the limit.
    func check(plus other: Int, _ diagnostics: inout DiagnosticCollector) -> Bool {
        let total = spent.addingReportingOverflow(other)
        guard total.overflow || total.partialValue > SpecLimits.maxExpansionSteps else { return true }
        diagnostics.error(location, "expanding the spec into nodes takes more than \(SpecLimits.maxExpansionSteps) steps (the limit): "
                          + "\(variants) variant\(variants == 1 ? "" : "s") × \(stages) stage\(stages == 1 ? "" : "s"), "
                          + "with the parameter values each copies and reads and the inputs each node gathers; "
                          + "sweep fewer variants, or keep large values out of swept stages")
        return false
    }

    /// False (after reporting) once the graph has more than `maxNodes` nodes (or resolutions).
    func checkNodes(_ count: Int, _ diagnostics: inout DiagnosticCollector) -> Bool {
        guard count > maxNodes else { return true }
        diagnostics.error(location, "the graph has more than \(maxNodes) nodes (the limit): "
                          + "\(variants) variant\(variants == 1 ? "" : "s") × \(stages) stage\(stages == 1 ? "" : "s"); "
                          + "sweep fewer variants, or let fewer stages read the swept parameters")
        return false
    }
}

/// Fingerprints (variant, stage) pairs and merges equal fingerprints into one node.
///
/// Nodes are numbered internally; a (stage, resolution, parent nodes) triple seen before maps to the same node
/// without hashing again, so a wide sweep costs one SHA-256 per distinct node.
private struct NodeAssembler {
    let spec: PipelineSpec
    let resolutions: [ResolvedStage]
    var nodes: [GraphNode] = []
    /// [variant][stage] → node number.
    var nodeOf: [[Int]]
    /// Node numbers grouped by the stage that first produced them, in first-variant order.
    var nodesByStage: [[Int]]
    private var memo: [[MemoKey: Int]]
    private var byFingerprint: [String: Int] = [:]
    private var gatherCache: [Int: [Int]] = [:]
    /// Parent links examined so far (counted against `SpecLimits.maxExpansionSteps`).
    private(set) var edgeCount = 0

    struct MemoKey: Hashable {
        var resolution: Int
        var parents: [Int]
        var seed: UInt64
    }

    init(spec: PipelineSpec, resolutions: [ResolvedStage]) {
        self.spec = spec
        self.resolutions = resolutions
        nodeOf = Array(repeating: Array(repeating: -1, count: spec.stages.count), count: spec.variants.count)
        nodesByStage = Array(repeating: [], count: spec.stages.count)
        memo = Array(repeating: [:], count: spec.stages.count)
    }

    /// A stage's distinct nodes over all variants, in variant order (complete once the stage is done, which
    /// topological order guarantees before any reader asks).
    private mutating func gathered(_ target: Int) -> [Int] {
        if let known = gatherCache[target] { return known }
        var seen = Set<Int>()
        let ids = nodeOf.map { $0[target] }.filter { seen.insert($0).inserted }
        gatherCache[target] = ids
        return ids
    }

    mutating func add(stage s: Int, variant v: Int, resolution: Int) {
        // Parent node numbers, per reference in spec order (references, then `after`).
        var parents: [Int] = []
        let stage = spec.stages[s]
        for ref in stage.references {
            guard let target = spec.stageIndex[ref.stage] else { continue }
            if ref.gathers { parents += gathered(target); parents.append(-1) } else { parents.append(nodeOf[v][target]) }
        }
        for ref in stage.after {
            if let target = spec.stageIndex[ref.stage] { parents.append(nodeOf[v][target]) }
        }
        edgeCount &+= parents.count
        // A reseeded kind fingerprints its replicate's seed; every other node the pipeline's (replicates share it).
        let seed = stage.reseed ?? stage.kind.reseededByReplicates ? spec.seed &+ (spec.variants[v].replicate?.seedOffset ?? 0) : spec.seed
        let key = MemoKey(resolution: resolution, parents: parents, seed: seed)
        if let known = memo[s][key] {
            record(node: known, stage: s, variant: v)
            return
        }
        let node = makeNode(stage: stage, s: s, variant: v, resolution: resolutions[resolution], seed: seed)
        memo[s][key] = node
        record(node: node, stage: s, variant: v)
    }

    private mutating func record(node n: Int, stage s: Int, variant v: Int) {
        nodeOf[v][s] = n
        let name = spec.variants[v].name
        if nodes[n].variants.last != name {
            nodes[n].variants.append(name)  // in place: copying the node would copy its variant list
        }
    }

    private mutating func makeNode(stage: StageSpec, s: Int, variant v: Int, resolution: ResolvedStage,
                                   seed: UInt64) -> Int {
        var inputs: [String: [InputEdge]] = [:]
        func edge(_ ref: StageReference, _ n: Int) {
            inputs[ref.parameter, default: []].append(
                InputEdge(parameter: ref.parameter, nodeID: nodes[n].id, stage: ref.stage, artifact: ref.artifact))
        }
        for ref in stage.references + stage.after {
            guard let target = spec.stageIndex[ref.stage] else { continue }
            if ref.gathers { for n in gathered(target) { edge(ref, n) } } else { edge(ref, nodeOf[v][target]) }
        }
        var components = FingerprintComponents(kind: stage.kind.name, kindVersion: stage.kind.version,
                                               params: resolution.paramsText, inputs: inputs.mapValues { $0.map(\.nodeID) },
                                               seed: seed)
        let inputsText = CanonicalJSON.inputsText(components.inputs)
        var id = Fingerprint.sha256Hex(components.canonicalText(inputsText: inputsText))
        if let existing = byFingerprint[id], nodes[existing].stage != stage.name {
            // Another stage already does exactly this work. Stages stay distinct nodes (a user who writes two
            // stages expects two, and side-effecting commands must not merge), so this one's identity also
            // covers its name. Only such duplicates carry the name: renaming a stage keeps its fingerprint.
            components.stage = stage.name
            id = Fingerprint.sha256Hex(components.canonicalText(inputsText: inputsText))
        }
        if let existing = byFingerprint[id] { return existing }
        let n = nodes.count
        byFingerprint[id] = n
        nodesByStage[s].append(n)
        nodes.append(GraphNode(
            id: id, stage: stage.name, kind: stage.kind.name, kindVersion: stage.kind.version, params: resolution.params,
            inputs: inputs, retries: resolution.retries, timeout: resolution.timeout, threads: resolution.threads,
            variants: [], location: stage.location, seed: seed, execution: resolution.execution))
        return n
    }

    func graph(order: [Int], variantValues: [[String: JSONValue]], specDirectory: URL) -> Graph {
        let variants = spec.variants.indices.map { v in
            var stageNodes: [String: String] = [:]
            stageNodes.reserveCapacity(spec.stages.count)
            for s in spec.stages.indices { stageNodes[spec.stages[s].name] = nodes[nodeOf[v][s]].id }
            let replicate = spec.variants[v].replicate.map {
                GraphVariant.Replicate(of: $0.of, seed: spec.seed &+ $0.seedOffset)
            }
            return GraphVariant(name: spec.variants[v].name, params: variantValues[v], stageNodes: stageNodes,
                                replicate: replicate)
        }
        var ordered: [GraphNode] = []
        ordered.reserveCapacity(nodes.count)
        for s in order { for n in nodesByStage[s] { ordered.append(nodes[n]) } }
        return Graph(pipelineName: spec.name, seed: spec.seed, specDirectory: specDirectory, nodes: ordered, variants: variants,
                     executor: spec.executor.settings)
    }
}

extension JSONValue {
    /// Values in this value (1 for a scalar): what copying or writing it costs, for `ExpansionBudget`.
    var nodeCount: Int {
        switch self {
        case .array(let items): items.reduce(1) { $0 &+ $1.nodeCount }
        case .object(let object): object.values.reduce(1) { $0 &+ $1.nodeCount }
        default: 1
        }
    }
}
