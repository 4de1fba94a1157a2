import Foundation
import LemaCore
import StageAPI

/// `noop`: does nothing and writes nothing. A join point (like Airflow's empty operator) and what the engine
/// benchmark runs to measure pure scheduling and bookkeeping cost.
public struct NoopKind: StageKind {
    public init() {}
    public let name = "noop"
    public let version = 1
    public let summary = "Does nothing; a join point for its inputs (and the engine benchmark's task)."
    public let parameters: [ParameterSpec] = [
        ParameterSpec("inputs", .references, default: .array([]),
                      doc: "Stages that must finish first (their outputs are not read)."),
    ]

    public func run(_ context: any StageContext) throws -> StageOutcome { StageOutcome() }
}

/// The generic stage kinds of the engine: `command`, `map`, `noop`.
public enum GenericKinds {
    public static var all: [any StageKind] { [CommandKind(), MapKind(), NoopKind()] }
}
