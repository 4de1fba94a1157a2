import Foundation
import LemaCore
import StageAPI

/// Typed access to a stage's resolved parameters. The engine applies defaults before `run`, but a kind reads
/// through this so a missing key still falls back to the kind's declared default (tests, direct calls), and a value
/// of the wrong type becomes a `StageFailure` naming the stage and key instead of a crash.
public struct ParameterValues: Sendable {
    public let values: [String: JSONValue]
    public let specs: [ParameterSpec]
    /// The stage the row comes from.
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

    public func int(_ name: String) throws -> Int {
        let v = try value(name)
        guard let i = v.intValue else { throw mistyped(name, v, "an integer") }
        return i
    }

    public func double(_ name: String) throws -> Double {
        let v = try value(name)
        guard let d = v.doubleValue else { throw mistyped(name, v, "a number") }
        return d
    }

    public func bool(_ name: String) throws -> Bool {
        let v = try value(name)
        guard let b = v.boolValue else { throw mistyped(name, v, "true or false") }
        return b
    }

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
