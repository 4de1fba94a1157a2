import Foundation
import LemaCore

/// A place in a spec file, for error messages (`file:line:col`). Lines and columns are 1-based.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The spec file's name as given to the compiler (or `--set` for override problems).
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int
    /// A location at `line`:`column` of `file`.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }
    /// `file:line:col`.
    public var description: String { "\(file):\(line):\(column)" }
}

/// The compiled pipeline: every (variant, stage) resolved to a node; identical nodes shared across variants.
/// Pure data, built by `GraphBuilder` from a `PipelineSpec`, consumed by the planner and scheduler.
public struct Graph: Sendable {
    /// `name:` of the spec; the store lives at `runs/<pipelineName>/state.sqlite`.
    public var pipelineName: String
    /// `seed:` of the spec (default 0).
    public var seed: UInt64
    /// Directory of the spec file (relative paths in parameters resolve against it).
    public var specDirectory: URL
    /// Nodes in a deterministic topological order (parents before children; ties by stage order in the spec,
    /// then variant order).
    public var nodes: [GraphNode]
    /// Variants in spec order. A spec without `sweep` has one variant named `default`.
    public var variants: [GraphVariant]
    /// The top-level `executor:` (run-wide limits such as `max_jobs`); each node carries its own `execution`.
    public var executor: ExecutorSettings

    /// A graph from already-resolved parts; `nodes` must be in topological order.
    public init(pipelineName: String, seed: UInt64, specDirectory: URL, nodes: [GraphNode], variants: [GraphVariant],
                executor: ExecutorSettings = ExecutorSettings()) {
        self.pipelineName = pipelineName
        self.seed = seed
        self.specDirectory = specDirectory
        self.nodes = nodes
        self.variants = variants
        self.executor = executor
    }

    /// The node with a fingerprint, if present.
    public func node(_ id: String) -> GraphNode? { nodes.first { $0.id == id } }

    /// Nodes of a stage (one per distinct fingerprint across variants), in graph order.
    public func nodes(ofStage stage: String) -> [GraphNode] { nodes.filter { $0.stage == stage } }

    /// `[{"name": variant, "params": {…}}]` (with `replicate_of` and `seed` under `replicates:`) for the variants
    /// containing `node`, in the node's variant order: the `_variants` entry of the summary a child's input carries
    /// (the scheduler's, and `lema ui`'s when it rebuilds the report's inputs).
    public func variantsValue(of node: GraphNode) -> JSONValue {
        .array(node.variants.map { name in
            let variant = variants.first { $0.name == name }
            var entry: [String: JSONValue] = ["name": .string(name), "params": .object(variant?.params ?? [:])]
            if let replicate = variant?.replicate {
                entry["replicate_of"] = .string(replicate.of)
                entry["seed"] = .int(Int64(bitPattern: replicate.seed))
            }
            return .object(entry)
        })
    }
}

/// One point of a sweep.
public struct GraphVariant: Sendable, Hashable {
    /// A label such as `default` or `ratio=0.5,mode=lema` (or the `name:` of an explicit variant).
    public var name: String
    /// The parameter values this variant sets (after `--set` overrides and defaults).
    public var params: [String: JSONValue]
    /// Stage name → node fingerprint for this variant.
    public var stageNodes: [String: String]
    /// With `replicates:`: the sweep point this variant replicates (its name without `,seed=N`) and its seed.
    public var replicate: Replicate?

    /// A replicate's place: which sweep point it repeats, and with which seed.
    public struct Replicate: Sendable, Hashable {
        /// The sweep point's name (`default` without a sweep).
        public var of: String
        /// The seed its reseeded nodes (training, sampling) fingerprint and draw from.
        public var seed: UInt64
        /// A replicate of `of` with `seed`.
        public init(of: String, seed: UInt64) {
            self.of = of
            self.seed = seed
        }
    }

    /// A variant with these values.
    public init(name: String, params: [String: JSONValue], stageNodes: [String: String], replicate: Replicate? = nil) {
        self.name = name
        self.params = params
        self.stageNodes = stageNodes
        self.replicate = replicate
    }
}

/// A unit of work: a stage with fully resolved parameters. Its `id` is the fingerprint: SHA-256 (hex) over the
/// kind, kind version, canonical resolved parameters, the pipeline seed and the fingerprints of its inputs —
/// nothing else (not retries, timeout, threads, executor or resources, which do not change the result, nor the stage
/// name, except to tell apart two stages that resolve to exactly the same work).
public struct GraphNode: Sendable, Hashable {
    /// The fingerprint (SHA-256 hex); also the node's key in the store.
    public var id: String
    /// Name of the spec stage the node resolves.
    public var stage: String
    /// The stage kind that runs the node.
    public var kind: String
    /// Version of the kind's implementation; part of the fingerprint, so a bumped version reruns the node.
    public var kindVersion: Int
    /// Resolved parameters, defaults applied, `${params.x}` substituted; references kept as written.
    public var params: [String: JSONValue]
    /// Reference parameter → bound upstream nodes, in spec order.
    public var inputs: [String: [InputEdge]]
    /// Extra attempts after a failure (0 = no retry).
    public var retries: Int
    /// Seconds before the node is cancelled and counted as failed; nil = no limit.
    public var timeout: Double?
    /// Cores the node may use; the scheduler holds this many tokens while it runs.
    public var threads: Int
    /// Names of the variants that contain this node, in variant order.
    public var variants: [String]
    /// Where the stage is defined in the spec.
    public var location: SourceLocation
    /// The seed in the fingerprint: the pipeline's `seed:`, or for a node of a reseeded kind (`train`, `sample`) in a
    /// replicate, that replicate's seed. Every random choice of the node derives from its fingerprint.
    public var seed: UInt64
    /// Where the node runs and what it asks for (`executor:`, `resources:`). Not in the fingerprint. When variants
    /// share a node, it keeps the execution of the first variant that has it.
    public var execution: NodeExecution

    /// A node from already-resolved parts; `id` must be the fingerprint of those parts.
    public init(id: String, stage: String, kind: String, kindVersion: Int, params: [String: JSONValue],
                inputs: [String: [InputEdge]], retries: Int, timeout: Double?, threads: Int, variants: [String],
                location: SourceLocation, seed: UInt64 = 0, execution: NodeExecution = NodeExecution()) {
        self.id = id
        self.stage = stage
        self.kind = kind
        self.kindVersion = kindVersion
        self.params = params
        self.inputs = inputs
        self.retries = retries
        self.timeout = timeout
        self.threads = threads
        self.variants = variants
        self.location = location
        self.seed = seed
        self.execution = execution
    }

    /// Distinct parent node ids, in first-reference order.
    public var parentIDs: [String] {
        var seen = Set<String>()
        var out: [String] = []
        for key in inputs.keys.sorted() {
            for edge in inputs[key] ?? [] where seen.insert(edge.nodeID).inserted { out.append(edge.nodeID) }
        }
        return out
    }
}

/// A resolved reference from a node parameter to an upstream node.
public struct InputEdge: Sendable, Hashable {
    /// The parameter that holds the reference.
    public var parameter: String
    /// The upstream node's fingerprint.
    public var nodeID: String
    /// The upstream stage name.
    public var stage: String
    /// The artifact named by `stage.artifact`, or nil.
    public var artifact: String?

    /// An edge; `artifact` nil means the producer's default artifact.
    public init(parameter: String, nodeID: String, stage: String, artifact: String?) {
        self.parameter = parameter
        self.nodeID = nodeID
        self.stage = stage
        self.artifact = artifact
    }
}
