import Foundation
import LemaCore
import StageAPI

/// A spec after structural validation: every key known, every kind found, every reference pointing at a stage.
/// Values that may contain `${params.x}` stay YAML nodes until a variant resolves them.
struct PipelineSpec {
    var name: String
    var seed: UInt64
    /// `params:` in the order written.
    var params: [ParamDeclaration]
    var paramIndex: [String: Int]
    /// Variants in order: grid points, then explicit variants (or the single `default`).
    var variants: [VariantSpec]
    /// Stages in the order written.
    var stages: [StageSpec]
    var stageIndex: [String: Int]
    /// The `sweep:` key (or the document's start without one): where expansion limits are reported.
    var sweepLocation: SourceLocation?
    /// The top-level `executor:` (local when absent).
    var executor = ExecutorSpec()
    /// `replicates:` (1 when absent): each sweep point runs with seeds `seed`, `seed + 1`, … (see `VariantSpec`).
    var replicates = 1
}

/// One `params:` entry: the default value of a pipeline parameter.
struct ParamDeclaration {
    var name: String
    var value: JSONValue
    var location: SourceLocation
}

/// One sweep point: the parameter values it sets on top of the defaults.
struct VariantSpec {
    var name: String
    /// Parameter → value, in the order written.
    var values: [(name: String, value: JSONValue)]
    var location: SourceLocation
    /// With `replicates:`, the sweep point this variant replicates (its name without `,seed=N`) and the offset of
    /// its seed from the pipeline's: reseeded kinds fingerprint `seed + seedOffset`. Nil without replicates.
    var replicate: (of: String, seedOffset: UInt64)? = nil
}

/// A stage definition.
struct StageSpec {
    var name: String
    /// Position among the stages kept after validation, in spec order (ties in ordering go to the lower index).
    var index: Int
    /// Where the stage's name is written under `stages:`.
    var location: SourceLocation
    var kind: any StageKind
    /// `kind.parameters`, read once.
    var parameters: [ParameterSpec] = []
    /// Kind parameters written in the spec, in the order written.
    var entries: [StageEntry]
    /// Engine keys (may contain interpolation, so resolved per variant).
    var retries: YAMLPair?
    var timeout: YAMLPair?
    var threads: YAMLPair?
    /// Operational keys (see `ExecutorReader`): where the stage runs and what its jobs ask for.
    var executor: YAMLPair?
    var resources: YAMLPair?
    /// `reseed:` — overrides the kind's `reseededByReplicates` (nil: the kind decides).
    var reseed: Bool?
    /// `after:` stage names (ordering-only inputs).
    var after: [StageReference]
    /// Reference parameters, in the order written.
    var references: [StageReference]
    /// Pipeline parameters interpolated anywhere in the stage, sorted: the only values a variant can change.
    var usedParams: [String]
    /// An interpolation in the stage is malformed or names an undefined parameter (already reported): the stage
    /// is not resolved, so that one mistake does not also show up as a type error.
    var unresolvable = false
    /// Stage indices this stage reads (references and `after`), deduplicated.
    var dependencies: [Int]
    /// Nodes in the stage's values (aliases expanded): the work of resolving it once.
    var weight = 1
}

/// A kind parameter written in a stage.
struct StageEntry {
    var parameter: ParameterSpec
    var pair: YAMLPair
}

/// `stage` or `stage.artifact`, as bound to a reference parameter (or `after`).
struct StageReference {
    var parameter: String
    var stage: String
    var artifact: String?
    var location: SourceLocation
    /// A `gather` reference: binds to the stage's nodes in every variant, not just the current one.
    var gathers = false
}

/// Keys every stage accepts besides its kind's parameters.
enum EngineKeys {
    static let kind = "kind"
    static let retries = "retries"
    static let timeout = "timeout"
    static let threads = "threads"
    /// Also the reserved input name under which `after:` edges enter the fingerprint.
    static let after = "after"
    static let executor = "executor"
    static let resources = "resources"
    static let reseed = "reseed"
    static let all = [kind, retries, timeout, threads, after, executor, resources, reseed]
}
