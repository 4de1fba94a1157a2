import Foundation
import LemaCore
import Math
import StageAPI

/// One arm of a replicated experiment: a stage's evaluations of one sweep point over its seeds (or of a node that
/// several points share, such as the base model's evaluation: "all variants").
public struct SeedArm: Sendable, Hashable {
    /// The evaluate stage.
    public var stage: String
    /// The sweep point (`mode=lema`), "all variants", or the points sharing the arm's nodes, joined.
    public var point: String
    /// One entry per seed, in seed order; a node shared by every seed is one entry with seed nil.
    public var seeds: [Int?]
    /// pass@1 per entry of `seeds`.
    public var accuracies: [Double]
    /// `predictions.jsonl` per entry of `seeds`.
    public var predictions: [URL?]
    /// Mean pass@1 over the seeds, with its 95% t-interval (nil for fewer than two seeds).
    public var mean: Double
    public var ciLow: Double?
    public var ciHigh: Double?

    /// How the arm is named in tables and figures: the stage, plus the point unless the run has no sweep.
    public var label: String { point == "default" ? stage : "\(stage) [\(point)]" }
}

/// A paired comparison of an arm with the baseline on the questions both answered.
public struct PairedComparison: Sendable, Hashable {
    /// Seeds both arms ran (a shared node counts for every seed of the other arm).
    public var seeds: Int
    /// Questions answered under every one of those seeds (the bootstrap's unit).
    public var questions: Int
    /// Mean of the per-question differences (arm − baseline, in accuracy), with its 95% paired-bootstrap interval.
    public var difference: Double
    public var low: Double
    public var high: Double
    /// Discordant (question, seed) pairs over all compared seeds: arm right and baseline wrong (`b`), and the reverse.
    public var b: Int
    public var c: Int
    /// McNemar's exact two-sided p-value on (b, c).
    public var pValue: Double
}

/// The report's view across seeds: per arm the per-seed pass@1 and their mean with a t-interval, and each arm
/// paired with the baseline arm.
///
/// **Pooling over seeds.** Both arms answer the same test questions. For McNemar's exact test the discordant
/// (question, seed) pairs are summed over the seeds both arms ran. For the interval of the difference the unit is
/// the question: a question's difference is its mean over those seeds, and the bootstrap resamples questions (10,000
/// resamples, seed 0), so every seed of a question moves together — the questions are what is shared, the seeds
/// are repetitions of training on them.
public struct SeedSummary: Sendable, Hashable {
    public var arms: [SeedArm]
    /// Index into `arms` of the baseline (nil when none is named or it matches no arm).
    public var baseline: Int?
    /// Arm index → its comparison with the baseline.
    public var comparisons: [Int: PairedComparison]
    /// What could not be computed, for the report's notes.
    public var notes: [String]

    /// The arms of `table`, or nil when no row has a seed (a run without `replicates:`). `baseline` names an arm by
    /// its label (`evaluate [mode=cot-only]`), its point (`mode=cot-only`) or its stage (when the stage has one arm);
    /// empty: no comparisons.
    public static func build(_ table: ReportTable, baseline: String, resamples: Int = 10_000) -> SeedSummary? {
        guard table.rows.contains(where: { $0.seed != nil }) else { return nil }
        let arms = Self.arms(table)
        var notes: [String] = []
        var baselineIndex: Int?
        if !baseline.isEmpty {
            let byStage = arms.indices.filter { arms[$0].stage == baseline }
            baselineIndex = arms.firstIndex { $0.label == baseline } ?? arms.firstIndex { $0.point == baseline }
                ?? (byStage.count == 1 ? byStage[0] : nil)
            if baselineIndex == nil {
                notes.append("The baseline '\(baseline)' matches no arm (known: \(arms.map(\.label).joined(separator: "; "))), "
                             + "so there are no paired comparisons.")
            }
        }
        var comparisons: [Int: PairedComparison] = [:]
        if let b = baselineIndex {
            for i in arms.indices where i != b {
                do {
                    if let comparison = try compare(arms[i], with: arms[b], resamples: resamples) {
                        comparisons[i] = comparison
                    } else {
                        notes.append("\(arms[i].label): no seed or question in common with the baseline, not compared.")
                    }
                } catch {
                    notes.append("\(arms[i].label): cannot compare with the baseline: \(error)")
                }
            }
        }
        return SeedSummary(arms: arms, baseline: baselineIndex, comparisons: comparisons, notes: notes)
    }

    /// Rows grouped by evaluated node, nodes grouped into arms by (stage, point), in the table's row order.
    static func arms(_ table: ReportTable) -> [SeedArm] {
        let allPoints = Set(table.rows.map(\.point))
        var nodeOrder: [String] = []
        var nodeRows: [String: [ReportRow]] = [:]
        for row in table.rows {
            let key = row.stage + "\u{0}" + (row.node.isEmpty ? row.variant : row.node)
            if nodeRows[key] == nil { nodeOrder.append(key) }
            nodeRows[key, default: []].append(row)
        }
        var armOrder: [String] = []
        var members: [String: [(seed: Int?, row: ReportRow)]] = [:]
        var armPoint: [String: (stage: String, point: String)] = [:]
        for key in nodeOrder {
            guard let rows = nodeRows[key], let first = rows.first else { continue }
            var points: [String] = []
            for row in rows where !points.contains(row.point) { points.append(row.point) }
            let point = allPoints.count > 1 && Set(points) == allPoints ? "all variants" : points.joined(separator: ", ")
            let seeds = Set(rows.map(\.seed))
            let armKey = first.stage + "\u{0}" + point
            if members[armKey] == nil {
                armOrder.append(armKey)
                armPoint[armKey] = (first.stage, point)
            }
            members[armKey, default: []].append((seeds.count == 1 ? first.seed : nil, first))
        }
        return armOrder.compactMap { key in
            guard let (stage, point) = armPoint[key], let entries = members[key]?.filter({ $0.row.accuracy != nil })
                .sorted(by: { ($0.seed ?? .min) < ($1.seed ?? .min) }), !entries.isEmpty else { return nil }
            let accuracies = entries.compactMap(\.row.accuracy)
            let interval = StudentT.meanInterval(accuracies)
            return SeedArm(stage: stage, point: point, seeds: entries.map(\.seed), accuracies: accuracies,
                           predictions: entries.map(\.row.predictions),
                           mean: interval?.mean ?? accuracies.reduce(0, +) / Double(accuracies.count),
                           ciLow: interval?.lower, ciHigh: interval?.upper)
        }
    }

    /// `arm` against `baseline` under the pooling rule on the type; nil when they share no seed or question.
    static func compare(_ arm: SeedArm, with baseline: SeedArm, resamples: Int) throws -> PairedComparison? {
        func file(_ a: SeedArm, seed: Int?) -> URL? {
            if a.seeds == [nil] { return a.predictions.first ?? nil }  // shared by every seed
            return a.seeds.firstIndex(of: seed).flatMap { a.predictions[$0] }
        }
        let seeds: [Int?] = arm.seeds == [nil] ? baseline.seeds : arm.seeds.filter { baseline.seeds == [nil] || baseline.seeds.contains($0) }
        var b = 0, c = 0
        var perQuestion: [String: [Double]] = [:]
        var compared = 0
        for seed in seeds {
            guard let armFile = file(arm, seed: seed), let baseFile = file(baseline, seed: seed) else { continue }
            let mine = try Self.correctness(armFile), theirs = try Self.correctness(baseFile)
            compared += 1
            for (question, right) in mine {
                guard let baseRight = theirs[question] else { continue }
                if right && !baseRight { b += 1 }
                if !right && baseRight { c += 1 }
                perQuestion[question, default: []].append(Double((right ? 1 : 0) - (baseRight ? 1 : 0)))
            }
        }
        // The bootstrap's questions: those answered under every compared seed, in a fixed (sorted) order.
        let differences = perQuestion.keys.sorted().compactMap { q -> Double? in
            guard let d = perQuestion[q], d.count == compared else { return nil }
            return d.reduce(0, +) / Double(d.count)
        }
        guard compared > 0, let interval = PairedBootstrap.meanInterval(differences, resamples: resamples) else { return nil }
        return PairedComparison(seeds: compared, questions: differences.count, difference: interval.difference,
                                low: interval.lower, high: interval.upper, b: b, c: c,
                                pValue: McNemar.exactPValue(b: b, c: c))
    }

    /// problem id → correct, from an evaluate node's predictions.jsonl.
    static func correctness(_ url: URL) throws -> [String: Bool] {
        var out: [String: Bool] = [:]
        for line in try JSONLines.read(url) {
            // Only the verdict is needed, so prediction files made by other tools need only these two fields.
            let fields = try RecordFields(line, record: SampleRecord.record)
            try fields.require(["problem_id", "correct"], hint: "bind an `evaluate` stage")
            out[try fields.string("problem_id")] = try fields.bool("correct")
        }
        return out
    }
}
