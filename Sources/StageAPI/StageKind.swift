import Foundation
import LemaCore

/// A kind of stage (`map`, `train`, `sample`, …). The engine validates a stage's parameters against `parameters`,
/// fingerprints the resolved values together with `version`, and calls `run` with a `StageContext`.
/// Kinds know nothing about SQLite or the scheduler; everything they need comes through the context.
public protocol StageKind: Sendable {
    /// The name used in specs (`kind: map`).
    var name: String { get }
    /// Bumped when the kind's behaviour changes in a way that should invalidate earlier results.
    var version: Int { get }
    /// One line for `lema kinds` and the docs.
    var summary: String { get }
    /// Every key the kind accepts, with types and defaults. Unknown keys are spec errors.
    var parameters: [ParameterSpec] { get }
    /// Checks that go beyond types (ranges, combinations). Return a message per problem, keyed by parameter name.
    func validate(_ params: [String: JSONValue]) -> [ParameterProblem]
    /// Runs the node to completion (resuming from the ledger/checkpoints the context offers) or throws.
    func run(_ context: any StageContext) throws -> StageOutcome
    /// The part of the resolved parameters that determines the node's results: what the fingerprint covers.
    /// Default: all of them. A kind drops purely operational settings (an endpoint's rate limits, timeout, the name
    /// of its key variable) so that changing them does not redo finished work; the node still runs with them.
    func fingerprinted(_ params: [String: JSONValue]) -> [String: JSONValue]
    /// Where the kind may run and how it stops; default `.anywhere`.
    var placement: KindPlacement { get }
    /// Whether the pipeline's `replicates:` give each replicate its own node of this kind (its random choices
    /// drawn from the replicate's seed) — training and sampling — rather than one node shared by every replicate
    /// (datasets, deterministic transformations). A node downstream of a reseeded one differs per replicate through
    /// its inputs anyway. Default: shared.
    var reseededByReplicates: Bool { get }
}

/// Where a kind's nodes may run, for executors that run nodes elsewhere (Slurm).
public enum KindPlacement: Sendable, Hashable {
    /// Locally or as a cluster job.
    case anywhere
    /// Anywhere; a long run that saves checkpoints and resumes from them: a cluster job of it may be requeued, and
    /// is warned before its time limit so that it saves a checkpoint and the requeued job continues from it.
    case checkpointing
    /// Always in the controller's process, whatever the executor (work too small for a job, or that needs the
    /// run's store, like the report).
    case local
}

extension StageKind {
    /// No checks beyond the declared parameter types.
    public func validate(_ params: [String: JSONValue]) -> [ParameterProblem] { [] }
    /// Every parameter counts.
    public func fingerprinted(_ params: [String: JSONValue]) -> [String: JSONValue] { params }
    /// Runs anywhere.
    public var placement: KindPlacement { .anywhere }
    /// Shared by every replicate.
    public var reseededByReplicates: Bool { false }
}

/// A problem found by `StageKind.validate`: which parameter and what is wrong (with the fix where possible).
public struct ParameterProblem: Sendable, Hashable {
    /// The parameter's name.
    public var parameter: String
    /// What is wrong, and the fix where possible.
    public var message: String
    /// A problem of `parameter`.
    public init(parameter: String, message: String) {
        self.parameter = parameter
        self.message = message
    }
}

/// The declared type of a parameter. `reference` and `references` name other stages (optionally `stage.artifact`);
/// the engine turns them into graph edges and hands the producing nodes' artifacts to the stage as inputs.
public indirect enum ParameterType: Sendable, Hashable, CustomStringConvertible {
    case int
    case double
    case bool
    case string
    case list(ParameterType)
    /// A mapping with arbitrary keys whose values have the given type.
    case map(ParameterType)
    /// One of a fixed set of strings.
    case choice([String])
    /// A reference to another stage's output (`stage` or `stage.artifact`).
    case reference
    /// A list of references.
    case references
    /// A list of references that gathers across sweep variants: each named stage binds to its nodes in EVERY
    /// variant (deduplicated, in variant order), so the stage holding it is one node for the whole pipeline
    /// (e.g. `report`, which compares all variants). Its fingerprint covers all those nodes.
    case gather
    /// Any JSON value (validated by the kind itself).
    case any

    /// The type in words, for messages and the spec reference ("a list of integers").
    public var description: String {
        switch self {
        case .int: "an integer"
        case .double: "a number"
        case .bool: "true or false"
        case .string: "a string"
        case .list(let t): "a list of \(t.plural)"
        case .map(let t): "a mapping of \(t.plural)"
        case .choice(let cs): "one of " + cs.map { "'\($0)'" }.joined(separator: ", ")
        case .reference: "a stage reference (STAGE or STAGE.ARTIFACT)"
        case .references: "a list of stage references"
        case .gather: "a list of stage references (gathered across all sweep variants)"
        case .any: "any value"
        }
    }

    private var plural: String {
        switch self {
        case .int: "integers"
        case .double: "numbers"
        case .bool: "booleans"
        case .string: "strings"
        default: "values (\(description))"
        }
    }
}

/// One accepted parameter of a stage kind.
public struct ParameterSpec: Sendable, Hashable {
    /// The key in the spec.
    public var name: String
    /// What values it accepts.
    public var type: ParameterType
    /// Applied when the spec omits the key; `nil` means the key is required.
    public var defaultValue: JSONValue?
    /// One sentence for the spec reference.
    public var doc: String

    /// A parameter called `name` of `type`; `defaultValue` nil makes it required.
    public init(_ name: String, _ type: ParameterType, default defaultValue: JSONValue?, doc: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.doc = doc
    }

    /// True when the spec must give it (no default).
    public var isRequired: Bool { defaultValue == nil }
}

/// What a finished node leaves behind.
public struct StageOutcome: Sendable, Hashable {
    /// Named output files, as paths relative to the node's output directory (e.g. `["records": "records.jsonl"]`).
    /// The first listed by name order is not special; consumers pick by name (`stage.artifact`) or take `default`.
    public var artifacts: [String: String]
    /// Small facts for `lema status`, reports and downstream checks (counts, accuracy, …).
    public var summary: [String: JSONValue]

    /// An outcome with these artifacts and summary.
    public init(artifacts: [String: String] = [:], summary: [String: JSONValue] = [:]) {
        self.artifacts = artifacts
        self.summary = summary
    }
}

/// Thrown by a stage for a failure worth retrying or reporting; the message should say what and where.
public struct StageFailure: Error, CustomStringConvertible, Sendable {
    /// What failed and where (shown as the node's error).
    public var message: String
    /// False for failures that retrying cannot fix (bad input data); the engine then skips remaining retries.
    public var retryable: Bool
    /// A failure with `message`; `retryable: false` for bad input.
    public init(_ message: String, retryable: Bool = true) {
        self.message = message
        self.retryable = retryable
    }
    /// The message.
    public var description: String { message }
}

/// Thrown by a stage that noticed `context.isCancelled` and stopped after saving its progress.
public struct StageCancelled: Error, CustomStringConvertible, Sendable {
    /// The cancellation.
    public init() {}
    /// "cancelled".
    public var description: String { "cancelled" }
}
