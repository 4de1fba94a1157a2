/// Everything that shapes generated problems. The defaults aim at a tiny character-level GPT trained for minutes on
/// two CPU cores: short questions (about 100–200 characters), short solutions (1–3 steps of `a op b = c`), small
/// numbers — easy enough that it gets some right, hard enough that it makes many mistakes to learn from.
/// Decoding fills missing keys with these defaults, so a spec only names what it changes.
public struct GeneratorConfig: Codable, Sendable, Hashable {
    /// Problems in total, over all splits.
    public var count: Int = 1000
    /// Seed; the same config always produces the same problems, byte for byte.
    public var seed: UInt64 = 1
    /// Fewest arithmetic steps (graph operations) in a problem; at least 1.
    public var minSteps: Int = 1
    /// Most arithmetic steps; up to 5 are supported by the story templates.
    public var maxSteps: Int = 3
    /// Relative weights of `minSteps...maxSteps` (one per step count); `nil` means uniform. The generator meets
    /// these proportions exactly (up to rounding), it does not sample them.
    public var stepWeights: [Double]? = nil
    /// Range of numbers stated in questions (operands), except totals a story must state (a bill paid with, a
    /// goal to reach), which only stay within `maxValue`.
    public var operandRange: ClosedRange<Int> = 1...20
    /// Upper bound on every intermediate result and on amounts of money; results are never negative.
    public var maxValue: Int = 200
    /// Operations the stories may use.
    public var operations: [ArithmeticOp] = ArithmeticOp.allCases
    /// Probability that a question gets one irrelevant sentence with a number in it.
    public var distractorProbability: Double = 0.1
    /// Fractions of problems in train / dev / test; normalised if they do not sum to 1.
    public var trainFraction: Double = 0.8
    /// Fraction of problems in dev (see `trainFraction`).
    public var devFraction: Double = 0.1
    /// Fraction of problems in test (see `trainFraction`).
    public var testFraction: Double = 0.1

    /// Every field at its default (a tiny-model set of 1000 problems, seed 1).
    public init() {}

    private enum CodingKeys: String, CodingKey {
        case count, seed, minSteps, maxSteps, stepWeights, operandRange, maxValue, operations, distractorProbability
        case trainFraction, devFraction, testFraction
    }

    /// Decodes the keys present, the default for every missing one; throws `DecodingError` on a wrongly typed
    /// value. Values are not range-checked here (see `validationIssues`).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = GeneratorConfig()
        count = try c.decodeIfPresent(Int.self, forKey: .count) ?? d.count
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        minSteps = try c.decodeIfPresent(Int.self, forKey: .minSteps) ?? d.minSteps
        maxSteps = try c.decodeIfPresent(Int.self, forKey: .maxSteps) ?? d.maxSteps
        stepWeights = try c.decodeIfPresent([Double].self, forKey: .stepWeights) ?? d.stepWeights
        operandRange = try c.decodeIfPresent(ClosedRange<Int>.self, forKey: .operandRange) ?? d.operandRange
        maxValue = try c.decodeIfPresent(Int.self, forKey: .maxValue) ?? d.maxValue
        operations = try c.decodeIfPresent([ArithmeticOp].self, forKey: .operations) ?? d.operations
        distractorProbability = try c.decodeIfPresent(Double.self, forKey: .distractorProbability)
            ?? d.distractorProbability
        trainFraction = try c.decodeIfPresent(Double.self, forKey: .trainFraction) ?? d.trainFraction
        devFraction = try c.decodeIfPresent(Double.self, forKey: .devFraction) ?? d.devFraction
        testFraction = try c.decodeIfPresent(Double.self, forKey: .testFraction) ?? d.testFraction
    }

    /// Problems in the config that make generation impossible, each saying what to change; empty when valid.
    public var validationIssues: [String] {
        var out: [String] = []
        if count < 1 { out.append("count must be at least 1 (got \(count))") }
        if minSteps < 1 { out.append("minSteps must be at least 1 (got \(minSteps))") }
        if maxSteps > 5 { out.append("maxSteps must be at most 5 (got \(maxSteps))") }
        if minSteps > maxSteps { out.append("minSteps (\(minSteps)) must not exceed maxSteps (\(maxSteps))") }
        if operandRange.lowerBound < 1 { out.append("operandRange must start at 1 or above (got \(operandRange))") }
        if operandRange.upperBound < 4 { out.append("operandRange must reach at least 4 (got \(operandRange))") }
        if maxValue < operandRange.upperBound * 2 {
            out.append("maxValue (\(maxValue)) must be at least twice the largest operand (\(operandRange.upperBound))")
        }
        if !operations.contains(.add) { out.append("operations must include + (stories need it to start)") }
        if let w = stepWeights {
            if minSteps <= maxSteps, w.count != maxSteps - minSteps + 1 {
                out.append("stepWeights needs \(maxSteps - minSteps + 1) values, one per step count \(minSteps)...\(maxSteps) (got \(w.count))")
            }
            if w.contains(where: { $0 < 0 }) || !w.contains(where: { $0 > 0 }) {
                out.append("stepWeights must be non-negative with at least one positive value")
            }
        }
        if !(0...1).contains(distractorProbability) {
            out.append("distractorProbability must be in 0...1 (got \(distractorProbability))")
        }
        let fractions = [trainFraction, devFraction, testFraction]
        if fractions.contains(where: { $0 < 0 }) || fractions.reduce(0, +) <= 0 {
            out.append("split fractions must be non-negative and not all zero")
        }
        return out
    }
}
