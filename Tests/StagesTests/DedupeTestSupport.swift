import Foundation
import LemaCore
import StageAPI
@testable import Stages

/// Builds a JSONL input of records `{"corrected": text, "id": i}` for a fake `dedupe` node and runs it.
struct DedupeFixture {
    let context: FakeStageContext
    let lines: [String]

    init(texts: [String], params: [String: JSONValue] = [:], threads: Int = 1, seed: UInt64 = 7,
         selected: String? = nil) throws {
        // Varied spacing and key order on purpose: output lines must be the input bytes, not re-encoded JSON.
        lines = texts.enumerated().map { i, text in
            i % 2 == 0 ? "{\"corrected\": \(JSONValue.string(text).canonicalText), \"id\": \(i)}"
                       : "{\"id\":\(i),\"corrected\":\(JSONValue.string(text).canonicalText)}"
        }
        context = try FakeStageContext(stageName: "dedupe", params: params, seed: seed, threads: threads)
        let file = try context.writeFile("corrections.jsonl", lines.joined(separator: "\n") + "\n")
        context.setInputs("input", [.fake(stage: "correct", artifacts: ["corrections": file], selected: selected)])
    }

    func run() throws -> StageOutcome { try DedupeKind().run(context) }

    /// The kept input lines for `indices`, as the output file should hold them.
    func expectedOutput(_ indices: [Int]) -> String { indices.map { lines[$0] + "\n" }.joined() }
}

/// `count` distinct words `w<start>` … for building texts whose word-set Jaccard is known by construction.
func words(_ range: Range<Int>) -> [String] { range.map { "w\($0)" } }
