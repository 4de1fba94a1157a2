import Foundation
import LemaCore
import Math
import StageAPI

/// What `evolve` reads: the data set (every split) and the questions behind the corrections, and how it picks seeds.
enum EvolutionInputs {
    /// A data set's problems by split.
    struct Dataset {
        var train: [Problem]
        var all: [Problem]
    }

    /// The problems of every split of the `problems` input (train first, for seeds), whatever split it selected.
    static func dataset(_ context: any StageContext) throws -> Dataset {
        guard let input = context.inputs("problems").first else {
            throw StageFailure("stage '\(context.stageName)': no input bound to 'problems'", retryable: false)
        }
        var train: [Problem] = [], all: [Problem] = []
        for split in ["train", "pool", "dev", "test"] {
            guard let url = input.artifacts[split] else { continue }
            let problems = try ProblemFiles.read(url)
            if split == "train" || split == "pool" { train += problems }
            all += problems
        }
        if all.isEmpty, let selected = input.selected, let url = input.artifacts[selected] {
            all = try ProblemFiles.read(url)
            train = all
        }
        guard !all.isEmpty else {
            throw StageFailure("stage '\(context.stageName)': 'problems' (stage '\(input.stage)') has no problem files; "
                + "bind a `dataset` stage", retryable: false)
        }
        return Dataset(train: train, all: all)
    }

    /// The distinct question ids behind the corrections, sorted (empty when none are bound).
    static func correctedQuestionIDs(_ context: any StageContext) throws -> [String] {
        guard let input = context.inputs("corrections").first else { return [] }
        var ids = Set<String>()
        for line in try JSONLines.read(try input.file(default: "corrections")) {
            let fields = try RecordFields(line, record: CorrectionRecord.record)
            try fields.require(["problem_id"], hint: "bind a `correct` or `dedupe` stage")
            ids.insert(try fields.string("problem_id"))
        }
        return ids.sorted()
    }

    /// The seed questions: those behind the corrections, or as many (or `count`) drawn at random from train.
    static func seeds(_ p: EvolveParameters, dataset: Dataset, correctedIDs: [String], seed: UInt64,
                      stage: String) throws -> [Problem] {
        if !p.randomSeeds {
            var byID: [String: Problem] = [:]
            for problem in dataset.all { byID[problem.id] = problem }
            return try correctedIDs.map { id in
                guard let problem = byID[id] else {
                    throw StageFailure("stage '\(stage)': corrected question '\(id)' is not in 'problems'; bind the "
                        + "dataset the corrections were made on", retryable: false)
                }
                return problem
            }
        }
        let wanted = correctedIDs.isEmpty ? p.count : correctedIDs.count
        guard wanted <= dataset.train.count else {
            throw StageFailure("stage '\(stage)': \(wanted) random seed questions asked but the train split has "
                + "\(dataset.train.count)", retryable: false)
        }
        var order = dataset.train
        var rng = SeededRNG(seed: SeededRNG.derive(seed, "evolve.random-seeds"))
        rng.shuffle(&order)
        return Array(order.prefix(wanted)).sorted { $0.id < $1.id }
    }
}
