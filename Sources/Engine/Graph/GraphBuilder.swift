import Foundation
import LemaCore
import StageAPI

/// `PipelineSpec` → `Graph`: orders stages, resolves each (variant, stage), fingerprints in topological order and
/// merges identical nodes across variants.
enum GraphBuilder {
    /// The graph, or nil when a problem was found (reported in `diagnostics`). Type and validation problems of every
    /// variant are collected even when the stage graph has a cycle.
    static func build(_ spec: PipelineSpec, specDirectory: URL, diagnostics: inout DiagnosticCollector) -> Graph? {
        let order = StageOrder.topological(spec.stages, diagnostics: &diagnostics)
        let defaults = Dictionary(spec.params.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        var resolver = StageResolver(stageCount: spec.stages.count)
        var resolved: [[ResolvedStage?]] = []  // [variant][stage]
        resolved.reserveCapacity(spec.variants.count)
        var variantValues: [[String: JSONValue]] = []
        for variant in spec.variants {
            var values = defaults
            for (name, value) in variant.values { values[name] = value }
            variantValues.append(values)
            resolved.append(spec.stages.map { resolver.resolve($0, values: values) })
        }
        for d in resolver.diagnostics.items { diagnostics.error(d.location, d.message) }
        guard let order, diagnostics.isEmpty, !spec.variants.isEmpty else { return nil }

        var assembler = NodeAssembler(spec: spec, variantCount: spec.variants.count)
        // Stage-major so a `gather` input can see its producer's nodes in every variant.
        for s in order {
            for v in spec.variants.indices {
                guard let stage = resolved[v][s] else { return nil }
                assembler.add(stage: s, variant: v, resolved: stage)
            }
        }
        let variants = spec.variants.indices.map { v in
            var stageNodes: [String: String] = [:]
            for s in spec.stages.indices { stageNodes[spec.stages[s].name] = assembler.fingerprints[v][s] }
            return GraphVariant(name: spec.variants[v].name, params: variantValues[v], stageNodes: stageNodes)
        }
        var nodes: [GraphNode] = []
        nodes.reserveCapacity(assembler.nodeCount)
        for s in order { nodes += assembler.nodesByStage[s] }
        return Graph(pipelineName: spec.name, seed: spec.seed, specDirectory: specDirectory, nodes: nodes, variants: variants)
    }
}

/// Fingerprints (variant, stage) pairs and merges equal fingerprints into one node.
private struct NodeAssembler {
    let spec: PipelineSpec
    /// [variant][stage] → fingerprint.
    var fingerprints: [[String]]
    /// Nodes grouped by the stage that first produced them, in first-variant order.
    var nodesByStage: [[GraphNode]]
    var nodeCount = 0
    private var place: [String: (stage: Int, slot: Int)] = [:]
    private var hashes: [String: String] = [:]  // canonical text → SHA-256 (sweeps repeat texts)
    private var gatherCache: [Int: [String]] = [:]

    init(spec: PipelineSpec, variantCount: Int) {
        self.spec = spec
        fingerprints = Array(repeating: Array(repeating: "", count: spec.stages.count), count: variantCount)
        nodesByStage = Array(repeating: [], count: spec.stages.count)
    }

    /// A stage's distinct fingerprints over all variants, in variant order (complete once the stage is done,
    /// which topological order guarantees before any reader asks).
    private mutating func gathered(_ target: Int) -> [String] {
        if let known = gatherCache[target] { return known }
        var seen = Set<String>()
        let ids = fingerprints.map { $0[target] }.filter { seen.insert($0).inserted }
        gatherCache[target] = ids
        return ids
    }

    mutating func add(stage s: Int, variant v: Int, resolved: ResolvedStage) {
        let stage = spec.stages[s]
        var inputs: [String: [InputEdge]] = [:]
        for ref in stage.references + stage.after {
            guard let target = spec.stageIndex[ref.stage] else { continue }
            if ref.gathers {
                for id in gathered(target) {
                    inputs[ref.parameter, default: []].append(
                        InputEdge(parameter: ref.parameter, nodeID: id, stage: ref.stage, artifact: ref.artifact))
                }
            } else {
                inputs[ref.parameter, default: []].append(
                    InputEdge(parameter: ref.parameter, nodeID: fingerprints[v][target], stage: ref.stage, artifact: ref.artifact))
            }
        }
        let components = FingerprintComponents(kind: stage.kind.name, kindVersion: stage.kind.version,
                                               params: resolved.paramsText, inputs: inputs.mapValues { $0.map(\.nodeID) })
        let text = components.canonicalText
        let id: String
        if let known = hashes[text] { id = known } else {
            id = Fingerprint.sha256Hex(text)
            hashes[text] = id
        }
        fingerprints[v][s] = id
        let variantName = spec.variants[v].name
        if let p = place[id] {
            // Mutated in place: copying the node would copy its variant list (quadratic for wide sweeps).
            // Two stages of one variant can resolve to the same work; keep each variant once.
            let known = nodesByStage[p.stage][p.slot].variants
            if known.last != variantName, p.stage == s || !known.contains(variantName) {
                nodesByStage[p.stage][p.slot].variants.append(variantName)
            }
            return
        }
        place[id] = (s, nodesByStage[s].count)
        nodeCount += 1
        nodesByStage[s].append(GraphNode(
            id: id, stage: stage.name, kind: stage.kind.name, kindVersion: stage.kind.version, params: resolved.params,
            inputs: inputs, retries: resolved.retries, timeout: resolved.timeout, threads: resolved.threads,
            variants: [variantName], location: stage.location))
    }
}
