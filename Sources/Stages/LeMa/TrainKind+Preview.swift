import Foundation
import LemaCore
import Math
import StageAPI
import TinyGPT

extension TrainKind {
    /// The truncation an in-process train node will meet, computed before it runs from its finished inputs: the
    /// records of `data`, tokenized as the node will tokenize them (the `init` model's tokenizer and context, or a
    /// tokenizer learned from scratch with the node's settings), against its context. Nil for `backend: command`
    /// (its own trainer decides). `lema run --dry-run` warns with it once the data exists.
    public static func truncationPreview(params: [String: JSONValue], data: [InputArtifact],
                                         initModel: InputArtifact?, stage: String) throws -> TruncationTally? {
        let kind = TrainKind()
        let p = ParameterValues(params, specs: kind.parameters, stage: stage)
        guard try p.string("backend") != "command" else { return nil }
        let builder = RecordBuilder(templates: try p.templates())
        let sourced = try data.flatMap { try TrainingSetup.records(from: $0, builder: builder) }
        let tokenizer: any Tokenizer
        let context: Int
        if let initModel {
            let pool = try ModelPool(file: try ModelFiles.modelFile(initModel))
            (tokenizer, context) = (pool.tokenizer, pool.config.contextLength)
        } else {
            tokenizer = try TrainingSetup.scratchTokenizer(p, records: sourced.map(\.record))
            context = try p.int("context")
        }
        let lengths = sourced.map {
            Example(prompt: $0.record.prompt, target: $0.record.target, tokenizer: tokenizer).sequenceLength
        }
        return TruncationTally(sequenceLengths: lengths, sources: sourced.map(\.source), contextLength: context)
    }
}
