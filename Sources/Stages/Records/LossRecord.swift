import Foundation
import LemaCore

/// One optimizer step of a `train` node: a line of its `loss.jsonl` (and the ledger payload of the step), read by
/// the node itself on resume and by `report`. Written as canonical JSON (sorted keys); see "Record formats" in
/// docs/spec.md.
struct LossRecord: Equatable {
    static let record = "loss record"

    /// 0-based optimizer step.
    var step: Int
    /// Mean loss over the step's target tokens.
    var loss: Double
    /// The learning rate the step used.
    var lr: Double
    /// Mean loss on the target tokens of each data source in the step's batch (sources absent from it are left out).
    var lossBySource: [String: Double]

    init(step: Int, loss: Double, lr: Double, lossBySource: [String: Double]) {
        self.step = step
        self.loss = loss
        self.lr = lr
        self.lossBySource = lossBySource
    }

    /// Reads a line; `loss_by_source` is optional (loss files written before it existed), non-finite values and
    /// non-numeric sources are skipped by the caller's filters, a missing `step` or `loss` fails naming it.
    init(_ fields: RecordFields) throws {
        try fields.require(["step", "loss"], hint: "bind a `train` stage's `loss` artifact")
        step = try fields.int("step")
        guard let loss = try fields.number("loss") else { throw fields.missing("loss", "a number") }
        self.loss = loss
        lr = try fields.optional("lr", fields.number).flatMap { $0 } ?? .nan
        lossBySource = (fields.values["loss_by_source"]?.objectValue ?? [:]).compactMapValues(\.doubleValue)
    }

    var json: [String: JSONValue] {
        ["step": .int(Int64(step)), "loss": .double(loss), "lr": .double(lr),
         "loss_by_source": .object(lossBySource.mapValues { .double($0) })]
    }

    /// The record's line (canonical JSON, no line break).
    var line: Data { RecordLine.encode(json) }
}
