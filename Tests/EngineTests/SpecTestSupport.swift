import Foundation
import LemaCore
import StageAPI
@testable import Engine

/// Small fake stage kinds covering every parameter type, for spec and graph tests.
enum SpecFixtures {
    struct Kind: StageKind {
        var name: String
        var version: Int = 1
        var summary: String = "test kind"
        var parameters: [ParameterSpec]
        var problems: @Sendable ([String: JSONValue]) -> [ParameterProblem] = { _ in [] }
        func validate(_ params: [String: JSONValue]) -> [ParameterProblem] { problems(params) }
        func run(_ context: any StageContext) throws -> StageOutcome { StageOutcome() }
    }

    static let gen = Kind(name: "gen", parameters: [
        ParameterSpec("count", .int, default: .int(10), doc: "problems"),
        ParameterSpec("source", .string, default: .string("gsm"), doc: "name"),
        ParameterSpec("mode", .choice(["fast", "slow"]), default: .string("fast"), doc: "mode"),
    ])
    static let sample = Kind(name: "sample", parameters: [
        ParameterSpec("data", .reference, default: nil, doc: "input"),
        ParameterSpec("k", .int, default: .int(4), doc: "paths per question"),
        ParameterSpec("temperature", .double, default: .double(0.7), doc: "sampling temperature"),
    ])
    static let train = Kind(name: "train", version: 3, parameters: [
        ParameterSpec("data", .reference, default: nil, doc: "training data"),
        ParameterSpec("extra_data", .references, default: .array([]), doc: "more data"),
        ParameterSpec("steps", .int, default: nil, doc: "optimiser steps"),
        ParameterSpec("lr", .double, default: .double(1), doc: "learning rate"),
        ParameterSpec("ratio", .double, default: .double(0.5), doc: "correction ratio"),
        ParameterSpec("flag", .bool, default: .bool(false), doc: "a switch"),
        ParameterSpec("tags", .list(.string), default: .array([]), doc: "labels"),
        ParameterSpec("extra", .map(.int), default: .object([:]), doc: "integers by name"),
        ParameterSpec("note", .string, default: .null, doc: "optional note"),
        ParameterSpec("config", .any, default: .null, doc: "anything"),
    ], problems: { params in
        if let steps = params["steps"]?.intValue, steps <= 0 {
            return [ParameterProblem(parameter: "steps", message: "must be positive (got \(steps))")]
        }
        return []
    })
    static let report = Kind(name: "report", parameters: [
        ParameterSpec("runs", .gather, default: nil, doc: "all variants' results"),
        ParameterSpec("title", .string, default: .string("report"), doc: "title"),
    ])
    static let noop = Kind(name: "noop", parameters: [
        ParameterSpec("label", .string, default: .string(""), doc: "distinguishes otherwise identical nodes"),
    ])

    static let registry = KindRegistry([gen, sample, train, report, noop])

    static func compile(_ text: String, overrides: [String] = [], registry: KindRegistry = registry) throws -> Graph {
        try PipelineCompiler.compile(text: text, fileName: "spec.yaml", specDirectory: URL(fileURLWithPath: "/tmp"),
                                     overrides: overrides, registry: registry)
    }

    /// The diagnostics of a spec that must fail, one `file:line:col: error: message` per entry.
    static func errors(_ text: String, overrides: [String] = []) -> [String] {
        do {
            _ = try compile(text, overrides: overrides)
            return ["(compiled without errors)"]
        } catch let e as SpecErrors {
            return e.diagnostics.map(\.description)
        } catch {
            return ["unexpected error: \(error)"]
        }
    }
}

extension Graph {
    /// Node of a stage in a variant (by dictionary: `Graph.node(_:)` is linear).
    func node(stage: String, variant: String) -> GraphNode? {
        guard let id = variants.first(where: { $0.name == variant })?.stageNodes[stage] else { return nil }
        return nodes.first { $0.id == id }
    }
}
