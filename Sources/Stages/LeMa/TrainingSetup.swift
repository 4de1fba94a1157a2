import Foundation
import LemaCore
import Math
import StageAPI
import TinyGPT

/// Everything the training loop needs, resolved from the stage's parameters and inputs.
struct TrainingSetup {
    var records: [TrainingRecord]
    /// Where each record came from (`SourcedRecord.source`), parallel to `records`.
    var sources: [String]
    var tokenizer: any Tokenizer
    var config: GPTConfig
    var optimizer: AdamWConfig
    var steps: Int
    var batchSize: Int
    var layout: Batcher.Layout
    var checkpointEvery: Int
    /// Weights to start from (`init`), flat in the model's layout.
    var initialParameters: [Float]?

    /// Printable ASCII plus newline: a fixed alphabet so every model trained from scratch with the char tokenizer
    /// shares one vocabulary, whatever its data (fine-tuning on corrections may meet characters the CoT data lacked).
    static let charAlphabet = "\n" + String((32...126).map { Character(UnicodeScalar($0)) })

    init(_ p: ParameterValues, context: any StageContext) throws {
        let builder = RecordBuilder(templates: try p.templates())
        let sourced = try context.inputs("data").flatMap { try Self.records(from: $0, builder: builder) }
        records = sourced.map(\.record)
        sources = sourced.map(\.source)
        guard !records.isEmpty else {
            throw StageFailure("stage '\(context.stageName)': the training data is empty", retryable: false)
        }
        var config = GPTConfig(vocabSize: 0, contextLength: try p.int("context"), layers: try p.int("layers"),
                               dModel: try p.int("d_model"), heads: try p.int("heads"))
        if let initInput = context.inputs("init").first {
            let pool = try ModelPool(file: try ModelFiles.modelFile(initInput))
            let base = pool.config
            // The engine hands over every key with its default applied, so "left at default" counts as unset:
            // only a non-default value that disagrees with the init model is an error.
            let defaults = TrainKind().parameters
            func isDefault(_ key: String) -> Bool {
                guard let given = context.params[key], !given.isNull else { return true }
                return defaults.first { $0.name == key }?.defaultValue == given
            }
            for (key, mine, theirs) in [("layers", config.layers, base.layers), ("d_model", config.dModel, base.dModel),
                                        ("heads", config.heads, base.heads), ("context", config.contextLength, base.contextLength)]
            where !isDefault(key) && mine != theirs {
                throw StageFailure("stage '\(context.stageName)': \(key) \(mine) differs from the init model's \(theirs); "
                    + "remove \(key) or set it to \(theirs)", retryable: false)
            }
            config = base
            tokenizer = pool.tokenizer
            initialParameters = try pool.withModel { $0.model.parameters }
        } else {
            tokenizer = try Self.scratchTokenizer(p, records: records)
            config.vocabSize = tokenizer.vocabularySize
        }
        self.config = config
        batchSize = try p.int("batch_size")
        for key in ["batch_size", "checkpoint_every"] where try p.int(key) < 1 {
            throw StageFailure("stage '\(context.stageName)': \(key) must be at least 1 (got \(try p.int(key)))",
                               retryable: false)
        }
        let epochs = try p.double("epochs")
        steps = epochs > 0 ? max(1, Int((epochs * Double(records.count) / Double(batchSize)).rounded(.up)))
            : try p.int("steps")
        let lr = Float(try p.double("lr"))
        let schedule: LRSchedule = try p.string("schedule") == "constant" ? .constant(lr)
            : .warmupCosine(peak: lr, minimum: lr * Float(try p.double("min_lr_ratio")),
                            warmupSteps: try p.int("warmup"), totalSteps: steps)
        let clip = try p.double("grad_clip")
        optimizer = AdamWConfig(schedule: schedule, beta1: Float(try p.double("beta1")), beta2: Float(try p.double("beta2")),
                                weightDecay: Float(try p.double("weight_decay")), gradClip: clip > 0 ? Float(clip) : nil)
        layout = try p.string("layout") == "pack" ? .pack : .pad
        checkpointEvery = try p.int("checkpoint_every")
    }

    /// The tokenizer of a model trained from scratch: BPE merges learned on `records`, or one token per character.
    static func scratchTokenizer(_ p: ParameterValues, records: [TrainingRecord]) throws -> any Tokenizer {
        if try p.string("tokenizer") == "bpe" {
            return BPETokenizer.train(texts: [Self.charAlphabet] + records.map(\.text), maxMerges: try p.int("bpe_merges"))
        }
        return CharTokenizer(trainingTexts: [Self.charAlphabet])
    }

    /// Training records from one input: `prompt`/`target` records as they are (with their `source`, if any),
    /// problems as CoT examples.
    static func records(from input: InputArtifact, builder: RecordBuilder) throws -> [SourcedRecord] {
        let file = try input.file(default: "train")
        return try JSONLines.read(file).map { line in
            let fields = try RecordFields(line, record: TrainingExampleRecord.record)
            if let example = try TrainingExampleRecord(fields) {
                return SourcedRecord(example.example, source: example.source ?? SourcedRecord.unlabelled)
            }
            let o = fields.values
            if let question = o["question"]?.stringValue, let solution = o["solution"]?.stringValue {
                return SourcedRecord(builder.cot(question: question, solution: solution), source: "cot")
            }
            throw StageFailure("\(file.path):\(line.lineNumber): a training record needs prompt/target or "
                + "question/solution fields", retryable: false)
        }
    }
}
