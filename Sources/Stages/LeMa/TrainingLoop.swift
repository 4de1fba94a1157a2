import Foundation
import LemaCore
import StageAPI
import TinyGPT

/// The resumable loop of the `train` stage: restore the latest checkpoint if any, step, record the loss per step in
/// the ledger (so the curve survives crashes), checkpoint every N steps, write the final model.
struct TrainingLoop {
    var setup: TrainingSetup
    var context: any StageContext

    func run() throws -> StageOutcome {
        let examples = setup.records.map { Example(prompt: $0.prompt, target: $0.target, tokenizer: setup.tokenizer) }
        let truncation = TruncationTally(sequenceLengths: examples.map(\.sequenceLength), sources: setup.sources,
                                         contextLength: setup.config.contextLength)
        for sentence in truncation.sentences { context.log("warning: the context cuts training examples — \(sentence)") }
        let batcher: Batcher
        let trainer: Trainer
        do {
            batcher = try Batcher(examples: examples, batchSize: setup.batchSize, length: setup.config.contextLength,
                                  layout: setup.layout)
            trainer = try Trainer(config: setup.config, optimizer: setup.optimizer, seed: context.seed,
                                  threads: context.threads)
            if let initial = setup.initialParameters { try trainer.model.setParameters(initial) }
        } catch {
            throw StageFailure("stage '\(context.stageName)': \(error)", retryable: false)
        }
        var cursor = batcher.makeCursor(seed: SeededRNG.derive(context.seed, "data"))
        let tokenizerJSON = try setup.tokenizer.jsonString()
        let configJSON = try setup.config.checkpointJSON()
        if let latest = try context.latestCheckpoint() {
            let url = context.checkpointDirectory.appendingPathComponent(latest.file)
            do {
                let checkpoint = try TrainingCheckpoint.read(from: url)
                guard let moments = checkpoint.optimizerMoments else { throw StageFailure("checkpoint has no optimizer state") }
                try trainer.restore(TrainerState(
                    config: setup.config, optimizer: setup.optimizer,
                    parameters: try trainer.model.flatParameters(from: checkpoint.weights, file: url.path),
                    adamM: try trainer.model.flatParameters(from: moments.m, file: url.path),
                    adamV: try trainer.model.flatParameters(from: moments.v, file: url.path),
                    step: checkpoint.step, rngState: checkpoint.rngState))
                cursor = try DataCursor.load(json: checkpoint.dataCursorJSON)
                context.log("resumed from checkpoint at step \(checkpoint.step)")
            } catch {
                throw StageFailure("stage '\(context.stageName)': cannot resume from \(url.path): \(error); "
                    + "run `lema invalidate` on this stage to start it over", retryable: false)
            }
        }
        var losses = try context.ledger.finishedItems()
        let start = Date()
        var tokensSeen = 0
        while trainer.completedSteps < setup.steps {
            if context.isCancelled {
                try checkpoint(trainer, cursor: cursor, tokenizerJSON: tokenizerJSON, configJSON: configJSON)
                throw StageCancelled()
            }
            let step = trainer.completedSteps
            let arrays = try batcher.nextBatch(cursor: &cursor)
            let batch = Batch(tokens: arrays.tokens, targets: arrays.targets, lossMask: arrays.lossMask,
                              batchSize: arrays.batchSize, length: arrays.length)
            let loss: Float
            do { loss = try trainer.step(batch: batch) } catch {
                throw StageFailure("stage '\(context.stageName)' step \(step): \(error)", retryable: false)
            }
            tokensSeen += arrays.batchSize * arrays.length
            let key = Self.key(step)
            let lr = setup.optimizer.schedule.rate(atStep: step)
            let bySource = SourceLoss.split(tokenLosses: trainer.model.lastTokenLosses, batch: arrays,
                                            sources: setup.sources)
            let payload = LossRecord(step: step, loss: Double(loss), lr: Double(lr), lossBySource: bySource).line
            if losses[key] == nil {
                try context.ledger.record(key: key, payload: payload)
                losses[key] = payload
            }
            context.metric("loss", step: step, value: Double(loss))
            for (source, value) in bySource.sorted(by: { $0.key < $1.key }) {
                context.metric("loss/\(source)", step: step, value: value)
            }
            let elapsed = Date().timeIntervalSince(start)
            context.progress(done: step + 1, total: setup.steps,
                             note: String(format: "loss %.3f, %.0f tok/s", loss, Double(tokensSeen) / max(elapsed, 1e-9)))
            if (step + 1) % setup.checkpointEvery == 0 || step + 1 == setup.steps {
                try checkpoint(trainer, cursor: cursor, tokenizerJSON: tokenizerJSON, configJSON: configJSON)
            }
        }
        var outcome = try finish(trainer, losses: losses, tokenizerJSON: tokenizerJSON, configJSON: configJSON)
        outcome.summary["truncation"] = truncation.summaryValue
        outcome.summary["truncated_examples"] = .int(Int64(truncation.truncated))
        outcome.summary["context"] = .int(Int64(setup.config.contextLength))
        return outcome
    }

    static func key(_ step: Int) -> String { String(format: "step-%08d", step) }

    /// Writes a full checkpoint atomically, then records it (the order that makes it crash-safe).
    private func checkpoint(_ trainer: Trainer, cursor: DataCursor, tokenizerJSON: String, configJSON: String) throws {
        let state = trainer.state()
        let model = trainer.model
        let file = CheckpointName.file(step: state.step)
        let checkpoint = TrainingCheckpoint(
            step: state.step, configJSON: configJSON, tokenizerJSON: tokenizerJSON,
            weights: model.namedTensors(from: state.parameters),
            optimizerMoments: .init(m: model.namedTensors(from: state.adamM),
                                    v: model.namedTensors(from: state.adamV)),
            rngState: state.rngState, dataCursorJSON: try cursor.jsonString())
        try checkpoint.write(to: context.checkpointDirectory.appendingPathComponent(file))
        try context.ledger.flush()  // the loss curve up to here is durable before the checkpoint counts
        try context.recordCheckpoint(step: state.step, file: file)
    }

    /// Final artifacts: `model` (weights only), `ckpt_<step>` weights for dev selection, `loss` curve.
    private func finish(_ trainer: Trainer, losses: [String: Data], tokenizerJSON: String,
                        configJSON: String) throws -> StageOutcome {
        let state = trainer.state()
        let model = trainer.model
        let final = TrainingCheckpoint(step: state.step, configJSON: configJSON, tokenizerJSON: tokenizerJSON,
                                       weights: model.namedTensors(from: state.parameters),
                                       optimizerMoments: nil, rngState: state.rngState, dataCursorJSON: "")
        try final.writeWeights(to: context.outputDirectory.appendingPathComponent("model.safetensors"))
        var artifacts = ["model": "model.safetensors", "loss": "loss.jsonl"]
        // Intermediate checkpoints as weights-only artifacts, for checkpoint selection on a dev split. Only the
        // scheduled ones: a checkpoint written when a run was cancelled must not add a candidate that an
        // uninterrupted run would not have (dev selection, and so the report, would differ after a resume).
        let scheduled = Set(stride(from: setup.checkpointEvery, through: setup.steps, by: setup.checkpointEvery))
            .union([setup.steps])
        for file in (try? FileManager.default.contentsOfDirectory(atPath: context.checkpointDirectory.path)) ?? [] {
            guard let step = CheckpointName.step(ofFile: file), scheduled.contains(step) else { continue }
            let checkpoint = try TrainingCheckpoint.read(from: context.checkpointDirectory.appendingPathComponent(file))
            var weights = checkpoint
            weights.optimizerMoments = nil
            let output = CheckpointName.file(step: step)
            try weights.writeWeights(to: context.outputDirectory.appendingPathComponent(output))
            artifacts[CheckpointName.artifact(step: step)] = output
        }
        let curve = (0..<state.step).compactMap { losses[Self.key($0)] }
        try RecordLine.write(curve, to: context.outputDirectory.appendingPathComponent("loss.jsonl"))
        let last = curve.last.flatMap { try? LossRecord(RecordFields(payload: $0, key: "last step", record: LossRecord.record)) }
            .map { JSONValue.double($0.loss) } ?? .null
        return StageOutcome(artifacts: artifacts, summary: [
            "steps": .int(Int64(state.step)), "final_loss": last, "examples": .int(Int64(setup.records.count)),
            // Every batch has the same (batch_size, context) shape, padding included.
            "tokens": .int(Int64(state.step) * Int64(setup.batchSize) * Int64(setup.config.contextLength)),
            "parameters": .int(Int64(model.parameterCount)), "vocabulary": .int(Int64(setup.tokenizer.vocabularySize)),
        ])
    }
}
