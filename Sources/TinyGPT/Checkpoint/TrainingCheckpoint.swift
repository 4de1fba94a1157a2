import Foundation

/// Everything needed to resume training bit-exactly, stored as one safetensors file.
///
/// Layout: each weight is an F32 tensor under its own name (so the file doubles as a plain weights file for
/// Python); AdamW's moments are `optimizer.m.<name>` and `optimizer.v.<name>`; everything else is metadata:
///
/// | key              | value                                                             |
/// |------------------|-------------------------------------------------------------------|
/// | `lema.format`    | `lema.training-checkpoint` (or `lema.weights` for `writeWeights`) |
/// | `lema.version`   | `1`                                                               |
/// | `lema.step`      | optimizer steps taken, decimal                                    |
/// | `lema.rng`       | RNG state words, decimal, comma-separated                         |
/// | `lema.config`    | model/training config JSON                                        |
/// | `lema.tokenizer` | `TokenizerArchive` JSON                                           |
/// | `lema.cursor`    | `DataCursor` JSON                                                 |
/// | `lema.weights`   | JSON array of the weight names, in model order                    |
/// | `lema.optimizer` | `adamw` when moments are stored, `none` otherwise                 |
/// | `lema.sha256`    | checksum (see `SafeTensorsFile`), required on load                |
///
/// Free metadata keys are stored as given; they must not start with `lema.`.
public struct TrainingCheckpoint: Sendable, Equatable {
    /// `lema.format` of a full training checkpoint.
    public static let formatName = "lema.training-checkpoint"
    /// `lema.format` of a weights-only file (`writeWeights`).
    public static let weightsFormatName = "lema.weights"
    /// `lema.version` this build writes and reads.
    public static let version = 1
    /// Prefixes of the AdamW moment tensors.
    public static let firstMomentPrefix = "optimizer.m."
    /// Prefix of the second-moment (`v`) tensors; see `firstMomentPrefix`.
    public static let secondMomentPrefix = "optimizer.v."

    /// Optimizer steps taken.
    public var step: Int
    /// `lema.config`: the model's `GPTConfig` as JSON (see `GPTConfig.checkpointJSON()`).
    public var configJSON: String
    /// `lema.tokenizer`: the tokenizer's `TokenizerArchive` JSON.
    public var tokenizerJSON: String
    /// F32 weights in model order.
    public var weights: [NamedTensor]
    /// AdamW first and second moments, one per weight with the same name and shape, in the same order.
    public var optimizerMoments: OptimizerMoments?
    /// RNG state words (e.g. `SeededRNG.stateWords`); may be empty.
    public var rngState: [UInt64]
    /// `DataCursor.jsonString()`; may be empty for a weights-only file.
    public var dataCursorJSON: String
    /// Free metadata (loss so far, wall time, …); keys must not start with `lema.`.
    public var metadata: [String: String]

    /// A checkpoint from its parts; checked only when written.
    public init(step: Int, configJSON: String, tokenizerJSON: String, weights: [NamedTensor],
                optimizerMoments: OptimizerMoments?, rngState: [UInt64], dataCursorJSON: String,
                metadata: [String: String] = [:]) {
        self.step = step
        self.configJSON = configJSON
        self.tokenizerJSON = tokenizerJSON
        self.weights = weights
        self.optimizerMoments = optimizerMoments
        self.rngState = rngState
        self.dataCursorJSON = dataCursorJSON
        self.metadata = metadata
    }

    /// AdamW's moment estimates.
    public struct OptimizerMoments: Sendable, Equatable {
        /// First moments, named like the weights.
        public var m: [NamedTensor]
        /// Second moments, named like the weights.
        public var v: [NamedTensor]

        /// Moments from their tensors; `m` and `v` each list one tensor per weight, in weight order.
        public init(m: [NamedTensor], v: [NamedTensor]) {
            self.m = m
            self.v = v
        }
    }

    /// Writes the full checkpoint atomically (see `SafeTensorsFile.write`).
    public func write(to url: URL) throws(CheckpointError) {
        try validateForWriting(file: url.path, includeOptimizer: true)
        var tensors = weights
        if let moments = optimizerMoments {
            tensors += moments.m.map { NamedTensor(name: Self.firstMomentPrefix + $0.name, shape: $0.shape, values: $0.values) }
            tensors += moments.v.map { NamedTensor(name: Self.secondMomentPrefix + $0.name, shape: $0.shape, values: $0.values) }
        }
        try SafeTensorsFile.write(tensors: tensors, metadata: lemaMetadata(format: Self.formatName, withOptimizer: true),
                                  to: url)
    }

    /// Writes only the weights (plus config, tokenizer and step in the metadata): a plain safetensors model file
    /// for inference or export. `ModelWeights.read` loads it, as it loads full checkpoints.
    public func writeWeights(to url: URL) throws(CheckpointError) {
        try validateForWriting(file: url.path, includeOptimizer: false)
        try SafeTensorsFile.write(tensors: weights,
                                  metadata: lemaMetadata(format: Self.weightsFormatName, withOptimizer: false), to: url)
    }

    /// Reads and verifies a full checkpoint: the file must be intact (length, header, checksum — which must be
    /// present), of the training-checkpoint format, and hold every tensor its manifest lists.
    public static func read(from url: URL) throws(CheckpointError) -> TrainingCheckpoint {
        let file = try SafeTensorsFile.read(from: url)
        let reader = CheckpointReader(file: file)
        try reader.requireFormat(formatName)
        let weights = try reader.weights()
        let moments: OptimizerMoments?
        switch try reader.string("lema.optimizer") {
        case "adamw":
            moments = OptimizerMoments(m: try reader.moments(prefix: firstMomentPrefix, like: weights),
                                       v: try reader.moments(prefix: secondMomentPrefix, like: weights))
        case "none":
            moments = nil
        case let other:
            throw reader.error(.invalidMetadata(key: "lema.optimizer", reason: "'\(other)' is neither 'adamw' nor 'none'"))
        }
        try reader.rejectUnlisted(weights: weights, withOptimizer: moments != nil)
        return TrainingCheckpoint(
            step: try reader.step(), configJSON: try reader.string("lema.config"),
            tokenizerJSON: try reader.string("lema.tokenizer"), weights: weights, optimizerMoments: moments,
            rngState: try reader.rngState(), dataCursorJSON: try reader.string("lema.cursor"),
            metadata: reader.freeMetadata)
    }

    private func lemaMetadata(format: String, withOptimizer: Bool) -> [String: String] {
        var out = metadata
        out["lema.format"] = format
        out["lema.version"] = String(Self.version)
        out["lema.step"] = String(step)
        out["lema.config"] = configJSON
        out["lema.tokenizer"] = tokenizerJSON
        out["lema.weights"] = CheckpointReader.encodeNames(weights.map(\.name))
        if withOptimizer {
            out["lema.rng"] = rngState.map(String.init).joined(separator: ",")
            out["lema.cursor"] = dataCursorJSON
            out["lema.optimizer"] = optimizerMoments == nil ? "none" : "adamw"
        }
        return out
    }

    private func validateForWriting(file: String, includeOptimizer: Bool) throws(CheckpointError) {
        func fail(_ problem: CheckpointError.Problem) -> CheckpointError { CheckpointError(file: file, problem: problem) }
        guard step >= 0 else { throw fail(.invalidMetadata(key: "lema.step", reason: "step \(step) is negative")) }
        if let key = metadata.keys.sorted().first(where: { $0.hasPrefix("lema.") }) {
            throw fail(.invalidMetadata(key: key, reason: "free metadata keys must not start with 'lema.'"))
        }
        for weight in weights {
            guard weight.dtype == .f32 else {
                throw fail(.invalidTensor(name: weight.name, reason: "weights must be F32, found \(weight.dtype.rawValue)"))
            }
            guard !weight.name.hasPrefix("optimizer.") else {
                throw fail(.invalidTensor(name: weight.name, reason: "weight names must not start with 'optimizer.'"))
            }
        }
        guard includeOptimizer, let moments = optimizerMoments else { return }
        for (kind, tensors) in [("m", moments.m), ("v", moments.v)] {
            guard tensors.map(\.name) == weights.map(\.name), tensors.map(\.shape) == weights.map(\.shape),
                  tensors.allSatisfy({ $0.dtype == .f32 }) else {
                throw fail(.invalidTensor(name: "optimizer.\(kind)",
                                          reason: "moments must be F32 with the weights' names, shapes and order"))
            }
        }
    }
}
