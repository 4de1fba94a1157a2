import Foundation
import LemaCore
import StageAPI

/// `noop`: does nothing and writes nothing. A join point (like Airflow's empty operator) and what the engine
/// benchmark runs to measure pure scheduling and bookkeeping cost.
public struct NoopKind: StageKind {
    /// The kind; it keeps no state between nodes.
    public init() {}
    /// The kind's name in specs.
    public let name = "noop"
    /// The kind's version, part of every fingerprint: bumped when the same parameters would give other outputs.
    public let version = 1
    /// One sentence for `lema kinds` and the spec reference.
    public let summary = "Does nothing; a join point for its inputs (and the engine benchmark's task)."
    /// The keys the kind accepts, with types, defaults and docs (docs/spec.md is generated from them).
    public let parameters: [ParameterSpec] = [
        ParameterSpec("inputs", .references, default: .array([]),
                      doc: "Stages that must finish first (their outputs are not read)."),
    ]

    /// Runs one node of this kind: its artifacts and summary are described on the type.
    public func run(_ context: any StageContext) throws -> StageOutcome { StageOutcome() }
}

/// The generic stage kinds of the engine: `command`, `map`, `noop`.
public enum GenericKinds {
    /// A fresh instance of each generic kind, in this order.
    public static var all: [any StageKind] { [CommandKind(), MapKind(), NoopKind()] }
}
