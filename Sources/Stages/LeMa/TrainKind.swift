import Foundation
import LemaCore
import Math
import StageAPI
import TinyGPT

/// `train`: the in-process tiny GPT trained on (prompt, target) examples with the loss on the target only.
/// Checkpoints (weights, AdamW moments, RNG, data cursor, step) are written every `checkpoint_every` steps; after a
/// crash the stage resumes from the latest one and produces bit-identical weights and loss curve.
public struct TrainKind: StageKind {
    /// The kind; it keeps no state between nodes.
    public init() {}
    /// The kind's name in specs.
    public let name = "train"
    /// The kind's version, part of every fingerprint: bumped when the same parameters would give other outputs.
    public let version = 1
    /// Saves checkpoints and resumes from them: a cluster job is requeueable and warned before its time limit.
    public var placement: KindPlacement { .checkpointing }
    /// One sentence for `lema kinds` and the spec reference.
    public let summary = "Train (or fine-tune) the in-process tiny GPT, resumable from checkpoints; or run your own trainer (`backend: command`)."

    /// The keys the kind accepts, with types, defaults and docs (docs/spec.md is generated from them).
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("data", .references, default: nil,
                          doc: "Training data: dataset splits (become CoT examples) and/or `mix` outputs (prompt/target records)."),
            ParameterSpec("init", .references, default: .array([]),
                          doc: "Start from this train stage's final weights (at most one; its model shape and tokenizer are kept). Empty: from scratch."),
            ParameterSpec("templates", .choice(["paper", "compact"]), default: .string("paper"),
                          doc: "Prompt template for dataset inputs (must match `sample`/`evaluate`)."),
            ParameterSpec("tokenizer", .choice(["char", "bpe"]), default: .string("bpe"),
                          doc: "From scratch: byte-pair merges learned on the data over printable ASCII (digits stay single tokens), or `char` (one token per character). BPE is the default: on the default experiment's data it reached 9.3% vs 4.3% test pass@1 after 400 steps, in 55 s vs 102 s."),
            ParameterSpec("bpe_merges", .int, default: .int(256), doc: "BPE: merges to learn."),
            ParameterSpec("layers", .int, default: .int(2), doc: "Transformer blocks (ignored with `init`: must match or be left at default)."),
            ParameterSpec("d_model", .int, default: .int(128), doc: "Residual width."),
            ParameterSpec("heads", .int, default: .int(4), doc: "Attention heads (divides d_model)."),
            ParameterSpec("context", .int, default: .int(192), doc: "Context length in tokens (longer examples lose the oldest prompt tokens)."),
            ParameterSpec("steps", .int, default: .int(1000), doc: "Optimizer steps (ignored when `epochs` > 0)."),
            ParameterSpec("epochs", .double, default: .double(0), doc: "If > 0: train for this many passes over the data instead of `steps`."),
            ParameterSpec("batch_size", .int, default: .int(16), doc: "Examples per step."),
            ParameterSpec("layout", .choice(["pad", "pack"]), default: .string("pad"),
                          doc: "One example per row (`pad`) or several per row (`pack`)."),
            ParameterSpec("lr", .double, default: .double(1e-3), doc: "Peak learning rate."),
            ParameterSpec("warmup", .int, default: .int(50), doc: "Linear warm-up steps."),
            ParameterSpec("schedule", .choice(["cosine", "constant"]), default: .string("cosine"), doc: "Decay after warm-up."),
            ParameterSpec("min_lr_ratio", .double, default: .double(0.1), doc: "Cosine floor as a fraction of `lr`."),
            ParameterSpec("weight_decay", .double, default: .double(0.1), doc: "AdamW decoupled weight decay (matrices only)."),
            ParameterSpec("beta1", .double, default: .double(0.9), doc: "AdamW β1."),
            ParameterSpec("beta2", .double, default: .double(0.95), doc: "AdamW β2."),
            ParameterSpec("grad_clip", .double, default: .double(1.0), doc: "Global gradient-norm clip (0 = off)."),
            ParameterSpec("checkpoint_every", .int, default: .int(200), doc: "Steps between checkpoints (also kept as `ckpt_<step>` artifacts for dev selection)."),
            ParameterSpec("backend", .choice(["local", "command"]), default: .string("local"),
                          doc: "`local`: the in-process tiny GPT. `command`: your own trainer — the stage writes the training set to `train.jsonl` (prompt/target per line), runs `command`, streams its output into `trainer.log` and the node log, and records the directory it wrote as the `checkpoint` artifact."),
            ParameterSpec("command", .list(.string), default: .array([]),
                          doc: "`backend: command`: argv (no shell) with placeholders {data} (train.jsonl), {out} (checkpoint directory to fill), {log}, {seed}, {init} (the `init` stage's checkpoint), {steps}, {epochs}, {lr}, {batch_size}, {warmup}, {weight_decay}, {context}, {args.NAME}."),
            ParameterSpec("args", .map(.string), default: .object([:]),
                          doc: "`backend: command`: extra values for {args.NAME} placeholders (model name, GPU flags, …)."),
        ]
    }

    /// Each replicate trains its own model (initialisation and data order from its seed).
    public var reseededByReplicates: Bool { true }

    /// The external-trainer keys are left out of in-process nodes' fingerprints (they do not change the result,
    /// and runs made before they existed keep their fingerprints).
    public func fingerprinted(_ params: [String: JSONValue]) -> [String: JSONValue] {
        guard params["backend"]?.stringValue == "local" || params["backend"] == nil else { return params }
        var out = params
        for key in ["backend", "command", "args"] { out[key] = nil }
        return out
    }

    /// Checks that span several parameters; each problem names the parameter and the fix.
    public func validate(_ params: [String: JSONValue]) -> [ParameterProblem] {
        var out: [ParameterProblem] = []
        if let d = params["d_model"]?.intValue, let h = params["heads"]?.intValue, h > 0, d % h != 0 {
            out.append(ParameterProblem(parameter: "heads", message: "d_model \(d) is not divisible by heads \(h)"))
        }
        if (params["init"]?.arrayValue?.count ?? 0) > 1 {
            out.append(ParameterProblem(parameter: "init", message: "init takes at most one train stage"))
        }
        if params["backend"]?.stringValue == "command", (params["command"]?.arrayValue ?? []).isEmpty {
            out.append(ParameterProblem(parameter: "command",
                                        message: "`backend: command` needs `command:` (the trainer's argv, e.g. [python, train.py, --data, '{data}', --out, '{out}'])"))
        }
        for key in ["steps", "batch_size", "checkpoint_every", "layers", "d_model", "heads", "context"] {
            if let v = params[key]?.intValue, v < 1 {
                out.append(ParameterProblem(parameter: key, message: "\(key) must be at least 1 (got \(v))"))
            }
        }
        return out
    }

    /// Runs one node of this kind: its artifacts and summary are described on the type.
    public func run(_ context: any StageContext) throws -> StageOutcome {
        let p = ParameterValues(context.params, specs: parameters, stage: context.stageName)
        if try p.string("backend") == "command" {
            let builder = RecordBuilder(templates: try p.templates())
            let records = try context.inputs("data").flatMap { try TrainingSetup.records(from: $0, builder: builder).map(\.record) }
            guard !records.isEmpty else {
                throw StageFailure("stage '\(context.stageName)': the training data is empty", retryable: false)
            }
            return try ExternalTrainer(p, context: context, records: records).run()
        }
        let setup = try TrainingSetup(p, context: context)
        return try TrainingLoop(setup: setup, context: context).run()
    }
}
