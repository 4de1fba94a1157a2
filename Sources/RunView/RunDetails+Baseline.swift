import Engine
import Foundation
import LemaCore
import StageAPI
import Stages

/// The sweep view's comparison with the report's `baseline`: the report's own across-seeds summary
/// (`SeedSummary`), rebuilt from the store exactly as the report stage would build it from its inputs.
extension RunDetails {
    /// The first `report` node that names a `baseline` and its across-seeds summary, once every evaluation it
    /// gathers has succeeded; nil otherwise (no baseline, evaluations still running, or a run without
    /// `replicates:`, where the report makes no comparison either).
    func baselineSummary(records: [String: NodeRecord]) -> (report: GraphNode, seeds: SeedSummary)? {
        guard let report = graph.nodes.first(where: {
            $0.kind == "report" && !($0.params["baseline"]?.stringValue ?? "").isEmpty
        }), let baseline = report.params["baseline"]?.stringValue else { return nil }
        var inputs: [InputArtifact] = []
        for edge in report.inputs["evaluations"] ?? [] {
            guard let record = records[edge.nodeID], record.status == .succeeded,
                  let parent = graph.node(edge.nodeID) else { return nil }
            var summary = record.summary
            summary["_variants"] = graph.variantsValue(of: parent)
            inputs.append(InputArtifact(stage: edge.stage, fingerprint: edge.nodeID, selected: edge.artifact,
                                        artifacts: record.artifacts.mapValues { runDirectory.appendingPathComponent($0) },
                                        summary: summary))
        }
        let table = ReportTable.build(inputs, x: report.params["x"]?.stringValue ?? "",
                                      series: report.params["series"]?.stringValue ?? "")
        return SeedSummary.build(table, baseline: baseline).map { (report, $0) }
    }

    /// `/api/sweep`'s `baseline`: the report's `seeds` JSON (as in its results.json), the table's header and cells
    /// (as in report.md) and its notes.
    static func baselineDocument(report: GraphNode, seeds: SeedSummary) -> JSONValue {
        .object([
            "report_stage": .string(report.stage),
            "seeds": seeds.json,
            "header": .array(seeds.header.map { .string($0) }),
            "cells": .array(seeds.cells.map { .array($0.map { .string($0) }) }),
            "notes": .array(seeds.notes.map { .string($0) }),
        ])
    }

    /// An evaluation's place in the summary: its arm's mean over seeds and its comparison with the baseline, in the
    /// report's words (`baseline` for the baseline's own arm).
    static func armCells(_ seeds: SeedSummary, stage: String, point: String) -> [String: JSONValue] {
        guard let i = seeds.arms.firstIndex(where: { $0.stage == stage && $0.point == point }) else { return [:] }
        let cells = seeds.cells[i]
        var out: [String: JSONValue] = ["mean_over_seeds": .string(cells[2])]
        if i == seeds.baseline {
            out["vs_baseline"] = .string("baseline")
        } else if seeds.comparisons[i] != nil, cells.count >= 6 {
            out["vs_baseline"] = .string("Δ \(cells[4]) pts, McNemar p \(cells[5])")
        }
        return out
    }
}
