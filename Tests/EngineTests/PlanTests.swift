import Foundation
import LemaCore
import StageAPI
import Testing
@testable import Engine

/// The planner on a small graph:
///
///     a ──► b ──► c
///           │
///           └───► d
///
/// `b.x` is a parameter only b reads (changing it changes b's fingerprint and, through the inputs, c's and d's).
/// d has its own `x` so that it is not the same node as c (identical nodes are merged, whatever their stage names).
@Suite struct PlanTests {
    static func spec(bx: Double) -> String {
        """
        name: plan
        stages:
          a: {kind: step}
          b: {kind: step, inputs: [a], x: \(bx)}
          c: {kind: step, inputs: [b]}
          d: {kind: step, inputs: [b], x: d}
        """
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        /// `b.x` of the graph the stored records come from (nil: no records).
        var storedBX: Double?
        /// Status (and reason/error) of stored nodes that did not simply succeed.
        var stored: [String: (NodeStatus, String?)] = [:]
        var bx: Double = 0.5
        var only: [String] = []
        var expected: [String: String]
        var description: String { name }
    }

    static let upToDate = "skip: succeeded before (fingerprint unchanged)"

    static let cases: [Case] = [
        Case(name: "fresh store", storedBX: nil,
             expected: ["a": "run: new node", "b": "run: new node", "c": "run: new node", "d": "run: new node"]),
        Case(name: "all succeeded", storedBX: 0.5,
             expected: ["a": upToDate, "b": upToDate, "c": upToDate, "d": upToDate]),
        Case(name: "b's parameter changed", storedBX: 0.5, bx: 1,
             expected: ["a": upToDate, "b": "run: params changed: x 0.5 → 1.0 since last run",
                        "c": "run: input b changed", "d": "run: input b changed"]),
        Case(name: "c failed", storedBX: 0.5, stored: ["c": (.failed, "boom at line 3\nstack…")],
             expected: ["a": upToDate, "b": upToDate, "c": "run: previous attempt failed: boom at line 3", "d": upToDate]),
        Case(name: "b invalidated", storedBX: 0.5, stored: ["b": (.pending, "invalidated by user")],
             expected: ["a": upToDate, "b": "run: invalidated by user", "c": "run: upstream will run",
                        "d": "run: upstream will run"]),
        Case(name: "d reclaimed after a crash", storedBX: 0.5,
             stored: ["d": (.pending, "reclaimed after crash of pid 42 (7 items kept)")],
             expected: ["a": upToDate, "b": upToDate, "c": upToDate, "d": "run: reclaimed after crash of pid 42 (7 items kept)"]),
        Case(name: "c was blocked", storedBX: 0.5, stored: ["b": (.failed, "bad"), "c": (.blocked, "blocked by failed b")],
             expected: ["a": upToDate, "b": "run: previous attempt failed: bad", "c": "run: upstream will run",
                        "d": "run: upstream will run"]),
        Case(name: "c interrupted", storedBX: 0.5, stored: ["c": (.pending, "interrupted")],
             expected: ["a": upToDate, "b": upToDate, "c": "run: interrupted", "d": upToDate]),
        Case(name: "only c", storedBX: nil, only: ["c"],
             expected: ["a": "run: new node", "b": "run: new node", "c": "run: new node", "d": "skip: not selected by --only"]),
        Case(name: "only a with b changed", storedBX: 0.5, bx: 2, only: ["a"],
             expected: ["a": upToDate, "b": "skip: not selected by --only", "c": "skip: not selected by --only",
                        "d": "skip: not selected by --only"]),
    ]

    @Test(arguments: cases)
    func plan(_ c: Case) throws {
        let counter = RunFixtures.Counter()
        let graph = try RunFixtures.compile(Self.spec(bx: c.bx), counter: counter)
        var records: [String: NodeRecord] = [:]
        if let storedBX = c.storedBX {
            let old = try RunFixtures.compile(Self.spec(bx: storedBX), counter: counter)
            for node in old.nodes {
                let (status, text) = c.stored[node.stage] ?? (.succeeded, nil)
                let record = status == .failed
                    ? RunFixtures.record(node, status, error: text)
                    : RunFixtures.record(node, status, reason: text)
                records[node.id] = record
            }
        }
        let decisions = Planner.plan(graph: graph, records: records, only: c.only)
        var byStage: [String: String] = [:]
        for node in graph.nodes { byStage[node.stage] = decisions[node.id]?.description }
        #expect(byStage == c.expected)
        #expect(counter.total == 0, "planning must not execute anything")
    }

    @Test func planIsPureAndDeterministic() throws {
        let graph = try RunFixtures.compile(Self.spec(bx: 0.5), counter: RunFixtures.Counter())
        let records = Dictionary(uniqueKeysWithValues: graph.nodes.map { ($0.id, RunFixtures.record($0, .succeeded)) })
        #expect(Planner.plan(graph: graph, records: records, only: []) == Planner.plan(graph: graph, records: records, only: []))
    }

    @Test func reasonNamesTheChangedListElement() throws {
        // A `${params.x}` inside an argv-like list: the reason names the element, not the whole list.
        let counter = RunFixtures.Counter()
        func graph(_ v: Int) throws -> Graph {
            try RunFixtures.compile("""
                name: plan
                stages:
                  a: {kind: step, x: [run, --ratio, \(v), --fast]}
                """, counter: counter)
        }
        let old = try graph(1), new = try graph(2)
        let records = Dictionary(uniqueKeysWithValues: old.nodes.map { ($0.id, RunFixtures.record($0, .succeeded)) })
        let decision = Planner.plan(graph: new, records: records, only: [])[new.nodes[0].id]
        #expect(decision == .run(reason: "params changed: x[2] 1 → 2 since last run"))
    }
}
