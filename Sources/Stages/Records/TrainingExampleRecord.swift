import Foundation
import LemaCore
import Math

/// One training example: a line of `mix`'s `mix.jsonl`, read by `train`. Users' own prompt/target files have the
/// same shape (`id` and `source` optional there). Written as canonical JSON (sorted keys); see "Record formats" in
/// docs/spec.md.
struct TrainingExampleRecord: Equatable {
    static let record = "training example"

    /// The question (or correction) the example comes from; a repeated CoT example carries `#repN`.
    var id: String?
    /// `cot`, `correction`, `corrected-as-cot`, `cot-extra`; nil when a user's file does not say.
    var source: String?
    var prompt: String
    /// The text the loss is on.
    var target: String

    init(id: String?, source: String?, example: TrainingRecord) {
        self.id = id
        self.source = source
        prompt = example.prompt
        target = example.target
    }

    /// Reads a prompt/target record, or nil when the line has no `prompt` (then it may be a problem record); a
    /// `prompt` without a string `target`, or a mistyped `id` or `source`, fails naming the field.
    init?(_ fields: RecordFields) throws {
        guard fields.values["prompt"] != nil else { return nil }
        prompt = try fields.string("prompt")
        target = try fields.string("target")
        id = try fields.optional("id", fields.string)
        source = try fields.optional("source", fields.string)
    }

    var example: TrainingRecord { TrainingRecord(prompt: prompt, target: target) }

    /// The record's line (canonical JSON, no line break); absent `id`/`source` are left out.
    var line: Data {
        var fields: [String: JSONValue] = ["prompt": .string(prompt), "target": .string(target)]
        if let id { fields["id"] = .string(id) }
        if let source { fields["source"] = .string(source) }
        return RecordLine.encode(fields)
    }
}
