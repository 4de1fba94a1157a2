import Foundation

/// What inference needs: weights, config and tokenizer. Loads from a weights file (`writeWeights`) or from a
/// full training checkpoint (its optimizer state is ignored).
public struct ModelWeights: Sendable, Equatable {
    /// Optimizer steps behind the weights (`lema.step`).
    public var step: Int
    /// `lema.config`: the model's `GPTConfig` as JSON.
    public var configJSON: String
    /// `lema.tokenizer`: the tokenizer's `TokenizerArchive` JSON.
    public var tokenizerJSON: String
    /// F32 weights in model order.
    public var weights: [NamedTensor]
    /// Free metadata.
    public var metadata: [String: String]

    /// Reads and verifies a weights file or a training checkpoint.
    public static func read(from url: URL) throws(CheckpointError) -> ModelWeights {
        let file = try SafeTensorsFile.read(from: url)
        let reader = CheckpointReader(file: file)
        try reader.requireFormat(TrainingCheckpoint.weightsFormatName, TrainingCheckpoint.formatName)
        let weights = try reader.weights()
        if try reader.string("lema.format") == TrainingCheckpoint.weightsFormatName {
            try reader.rejectUnlisted(weights: weights, withOptimizer: false)
        }
        return ModelWeights(step: try reader.step(), configJSON: try reader.string("lema.config"),
                            tokenizerJSON: try reader.string("lema.tokenizer"), weights: weights,
                            metadata: reader.freeMetadata)
    }
}
