import Foundation
import LemaCore
import StageAPI

/// Typed access to a stage's resolved parameters. The engine applies defaults before `run`, but a kind reads
/// through this so a missing key still falls back to the kind's declared default (tests, direct calls), and a value
/// of the wrong type becomes a `StageFailure` naming the stage and key instead of a crash.
public struct ParameterValues: Sendable {
    /// The resolved parameters by key; a `null` value counts as missing.
    public let values: [String: JSONValue]
    /// The kind's declared parameters, for defaults.
    public let specs: [ParameterSpec]
    /// Name of the stage, for error messages.
    public let stage: String

    /// A value with the given fields.
    public init(_ values: [String: JSONValue], specs: [ParameterSpec], stage: String) {
        self.values = values
        self.specs = specs
        self.stage = stage
    }

    /// The spec value, or the declared default, or a failure saying the key is required.
    public func value(_ name: String) throws -> JSONValue {
        if let v = values[name], !v.isNull { return v }
        if let d = specs.first(where: { $0.name == name })?.defaultValue { return d }
        throw StageFailure("stage '\(stage)': parameter '\(name)' is required", retryable: false)
    }

    /// An integer parameter (a whole-number double is accepted); throws a non-retryable `StageFailure` when it is
    /// missing without a default or of another type.
    public func int(_ name: String) throws -> Int {
        let v = try value(name)
        guard let i = v.intValue else { throw mistyped(name, v, "an integer") }
        return i
    }

    /// A number parameter (integers widen); throws a non-retryable `StageFailure` when it is missing without a default
    /// or not a number.
    public func double(_ name: String) throws -> Double {
        let v = try value(name)
        guard let d = v.doubleValue else { throw mistyped(name, v, "a number") }
        return d
    }

    /// A boolean parameter; throws a non-retryable `StageFailure` when it is missing without a default or not a bool.
    public func bool(_ name: String) throws -> Bool {
        let v = try value(name)
        guard let b = v.boolValue else { throw mistyped(name, v, "true or false") }
        return b
    }

    /// A string parameter; throws a non-retryable `StageFailure` when it is missing without a default or not a string.
    public func string(_ name: String) throws -> String {
        let v = try value(name)
        guard let s = v.stringValue else { throw mistyped(name, v, "a string") }
        return s
    }

    /// A list of strings; a single string counts as a one-element list.
    public func strings(_ name: String) throws -> [String] {
        let v = try value(name)
        if let s = v.stringValue { return [s] }
        guard let a = v.arrayValue else { throw mistyped(name, v, "a list of strings") }
        return try a.map { item in
            guard let s = item.stringValue else { throw mistyped(name, v, "a list of strings") }
            return s
        }
    }

    private func mistyped(_ name: String, _ v: JSONValue, _ expected: String) -> StageFailure {
        StageFailure("stage '\(stage)': parameter '\(name)' must be \(expected), got \(v.canonicalText)",
                     retryable: false)
    }
}
