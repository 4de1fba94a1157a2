import LemaCore

/// A problem under construction: the question's sentences, the solution's step bodies and the computation graph,
/// kept in step so that every step states exactly one graph operation.
struct StoryDraft {
    var quantities: [Int] = []
    var operations: [ComputationGraph.Operation] = []
    var sentences: [String] = []
    var stepBodies: [String] = []
    var questionSentence = ""

    /// Records a stated quantity.
    mutating func state(_ value: Int) -> ComputationGraph.Operand {
        quantities.append(value)
        return .quantity(quantities.count - 1)
    }

    func value(_ operand: ComputationGraph.Operand) -> Int {
        switch operand {
        case .quantity(let i): quantities[i]
        case .result(let i): operations[i].result
        }
    }

    /// Adds an operation and its step; `body` receives the claim text `a op b = c`. Returns `nil` (leaving the draft
    /// unchanged) when the result is not a non-negative integer within `maxValue`.
    mutating func compute(_ op: ArithmeticOp, _ lhs: ComputationGraph.Operand, _ rhs: ComputationGraph.Operand,
                          maxValue: Int, body: (String) -> String) -> ComputationGraph.Operand? {
        let a = value(lhs), b = value(rhs)
        guard let r = op.applyExact(a, b), r >= 0, r <= maxValue else { return nil }
        operations.append(.init(op: op, lhs: lhs, rhs: rhs, result: r))
        stepBodies.append(body("\(a) \(op.symbol) \(b) = \(r)"))
        return .result(operations.count - 1)
    }

    var answer: Int { operations.last?.result ?? 0 }

    var question: String { (sentences + [questionSentence]).joined(separator: " ") }

    /// `Step i: body` lines; the last ends with `The answer is N.`
    var solution: String {
        var lines: [String] = []
        for (i, body) in stepBodies.enumerated() {
            var line = "Step \(i + 1): \(body)"
            if i == stepBodies.count - 1 { line += " The answer is \(answer)." }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}

/// Number choices that respect the config's ranges.
struct NumberPicker {
    let range: ClosedRange<Int>
    let maxValue: Int

    /// Any operand.
    func operand(_ rng: inout SeededRNG) -> Int { rng.nextInt(in: range) }

    /// An operand in `lo...hi` clipped to the range, or `nil` when empty.
    func operand(_ rng: inout SeededRNG, from lo: Int, to hi: Int) -> Int? {
        let a = max(lo, range.lowerBound), b = min(hi, range.upperBound)
        return a <= b ? rng.nextInt(in: a...b) : nil
    }

    /// b ≥ 2 to add to v (≥ 2 so that sentences never say "1 more apples").
    func addend(to v: Int, _ rng: inout SeededRNG) -> Int? { operand(&rng, from: 2, to: maxValue - v) }

    /// b ≥ 2 to subtract from v, leaving at least 2 (plural nouns stay right).
    func subtrahend(from v: Int, _ rng: inout SeededRNG) -> Int? { operand(&rng, from: 2, to: v - 2) }

    /// Factor ≥ 2 keeping v * b within maxValue; small factors (2–5) so products stay readable.
    func factor(for v: Int, _ rng: inout SeededRNG) -> Int? {
        guard v > 0 else { return nil }
        return operand(&rng, from: 2, to: min(5, maxValue / v))
    }

    /// Divisor ≥ 2, smaller than v, dividing v exactly.
    func divisor(of v: Int, _ rng: inout SeededRNG) -> Int? {
        let candidates = (2...max(2, min(range.upperBound, v - 1))).filter { $0 < v && v % $0 == 0 }
        return candidates.isEmpty ? nil : rng.pick(candidates)
    }
}
