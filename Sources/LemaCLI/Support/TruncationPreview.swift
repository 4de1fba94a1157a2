import Engine
import Foundation
import LemaCore
import StageAPI
import Stages

/// `lema run --dry-run`'s truncation check: for every in-process train node that has not run yet but whose data
/// (and `init` model) already exist, the examples its context would cut, per source. Nodes whose inputs are still
/// missing are passed over: their data is not known yet.
enum TruncationPreview {
    /// One warning per train node that would cut examples, e.g. "warning: stage 'finetune' [mode=lema] would cut
    /// training examples — correction: 412 of 600 …".
    static func warnings(graph: Graph, records: [String: NodeRecord], runDirectory: URL) -> [String] {
        var out: [String] = []
        for node in graph.nodes where node.kind == "train" && records[node.id]?.status != .succeeded {
            func finished(_ parameter: String) -> [InputArtifact]? {
                var inputs: [InputArtifact] = []
                for edge in node.inputs[parameter] ?? [] {
                    guard let record = records[edge.nodeID], record.status == .succeeded else { return nil }
                    inputs.append(InputArtifact(stage: edge.stage, fingerprint: edge.nodeID, selected: edge.artifact,
                                                artifacts: record.artifacts.mapValues { runDirectory.appendingPathComponent($0) },
                                                summary: record.summary))
                }
                return inputs
            }
            guard let data = finished("data"), !data.isEmpty, let initModel = finished("init") else { continue }
            let where_ = "stage '\(node.stage)'" + (graph.variants.count > 1 ? " [\(node.variants.joined(separator: ", "))]" : "")
            do {
                guard let tally = try TrainKind.truncationPreview(params: node.params, data: data, initModel: initModel.first,
                                                                  stage: node.stage),
                      tally.truncated > 0 else { continue }
                out += tally.sentences.map { "warning: \(where_) would cut training examples to its context — \($0)" }
            } catch {
                out.append("warning: \(where_): cannot check its training examples against its context: \(error)")
            }
        }
        return out
    }
}
