import LemaCore

/// A wrong solution made on purpose, and where its first mistake is.
public struct InjectedMistake: Codable, Sendable, Hashable {
    /// The whole wrong solution, every step written out (not only the altered ones).
    public var solution: Solution
    /// 1-based position of the first incorrect step.
    public var step: Int
    /// The kind injected, which `StepChecker` finds at `step`.
    public var kind: MistakeKind
}

/// Turns a generated problem's gold solution into a wrong one with a mistake of a requested kind at a random step,
/// as a weak model would write it: later steps carry the wrong value forward consistently. Used by tests and to
/// make synthetic mistakes without a model.
///
/// Injections are chosen so that the mistake is unambiguous (a wrong operand is not a value the question or another
/// step produces, an extra step shares nothing with a needed step, a skipped result is unique), so the oracle must
/// find exactly this step and kind.
public struct MistakeInjector: Sendable {
    /// An injector; it holds no state, all randomness comes from the `rng` passed to `inject`.
    public init() {}

    /// A wrong solution of `kind`, or `nil` when the problem cannot host that kind (e.g. a missing step in a
    /// one-step problem) or no unambiguous injection was found in a few tries.
    public func inject(_ kind: MistakeKind, into problem: Problem, rng: inout SeededRNG) -> InjectedMistake? {
        guard let graph = problem.graph, !graph.operations.isEmpty else { return nil }
        let gold = Solution(parsing: problem.solution)
        guard gold.steps.count == graph.operations.count else { return nil }
        var context = Context(graph: graph, gold: gold)
        for _ in 0..<12 {
            if let made = context.attempt(kind, &rng) { return made }
        }
        return nil
    }

    private struct Context {
        let graph: ComputationGraph
        let gold: Solution
        var n: Int { graph.operations.count }

        /// Every value the problem produces or states; wrong operands avoid them so they cannot look intended.
        var allValues: Set<Int> { Set(graph.quantities + graph.operations.map(\.result)) }

        func ready(afterDoing k: Int) -> [Int] {
            // Gold steps run in graph order, so after steps 0..<k exactly those operations are done.
            (k..<n).filter { i in graph.dependencies(of: i).allSatisfy { $0 < k } }
        }

        mutating func attempt(_ kind: MistakeKind, _ rng: inout SeededRNG) -> InjectedMistake? {
            switch kind {
            case .arithmeticSlip:
                let k = rng.nextInt(below: n)
                let r = graph.operations[k].result
                let delta = rng.pick([-3, -2, -1, 1, 2, 3, 10])
                let wrong = r + delta
                guard wrong >= 0 else { return nil }
                return replay(from: k, kind: kind) { _, _, _ in Double(wrong) }
            case .wrongOperand:
                let k = rng.nextInt(below: n)
                let o = graph.operations[k]
                let side = rng.nextInt(below: 2)
                let old = graph.value(of: side == 0 ? o.lhs : o.rhs)
                let candidate = old + rng.pick([-2, -1, 1, 2, 3])
                guard candidate > 0, !allValues.contains(candidate) else { return nil }
                let a = side == 0 ? candidate : graph.value(of: o.lhs)
                let b = side == 1 ? candidate : graph.value(of: o.rhs)
                guard let r = o.op.applyExact(a, b), r >= 0 else { return nil }
                return replay(from: k, kind: kind, operands: (Double(a), Double(b))) { _, _, _ in Double(r) }
            case .wrongOperation:
                let k = rng.nextInt(below: n)
                let o = graph.operations[k]
                let a = graph.value(of: o.lhs), b = graph.value(of: o.rhs)
                let op = rng.pick(ArithmeticOp.allCases.filter { $0 != o.op })
                guard let r = op.applyExact(a, b), r >= 0, r != o.result else { return nil }
                // Not another operation that is due now with these operands.
                let clash = ready(afterDoing: k).contains { i in
                    let u = graph.operations[i]
                    let (x, y) = (graph.value(of: u.lhs), graph.value(of: u.rhs))
                    return u.op == op && ((x == a && y == b) || (op.isCommutative && x == b && y == a))
                }
                guard !clash else { return nil }
                return replay(from: k, kind: kind, op: op) { _, _, _ in Double(r) }
            case .missingStep:
                guard n >= 2 else { return nil }
                let j = rng.nextInt(below: n - 1)
                let r = graph.operations[j].result
                let others = graph.quantities + graph.operations.enumerated().filter { $0.offset != j }.map(\.element.result)
                guard !others.contains(r) else { return nil }
                // The first later step that needs the skipped result, directly or through another step.
                var needs = Set([j])
                var located: Int?
                for i in (j + 1)..<n where graph.dependencies(of: i).contains(where: needs.contains) {
                    needs.insert(i)
                    if located == nil { located = i }
                }
                guard let p = located else { return nil }
                var steps = gold.steps
                steps.remove(at: j)
                return InjectedMistake(solution: Solution(steps: steps).renumbered(), step: p, kind: kind)
            case .extraStep:
                let j = rng.nextInt(below: n)
                let values = graph.quantities + graph.operations.prefix(j).map(\.result)
                let a = rng.pick(values), b = rng.pick(values)
                let op = rng.pick(ArithmeticOp.allCases)
                guard let r = op.applyExact(a, b), r >= 0 else { return nil }
                let shares = (j..<n).contains { i in
                    let u = graph.operations[i]
                    let (x, y) = (graph.value(of: u.lhs), graph.value(of: u.rhs))
                    let sameSet = (x == a && y == b) || (x == b && y == a)
                    return sameSet || (u.op == op && [x, y].contains(where: { $0 == a || $0 == b }))
                }
                guard !shares else { return nil }
                var steps = gold.steps
                steps.insert(Step(number: 0, text: "Also, \(a) \(op.symbol) \(b) = \(r)."), at: j)
                return InjectedMistake(solution: Solution(steps: steps).renumbered(), step: j + 1, kind: kind)
            case .wrongFinalAnswer:
                let wrong = graph.answer + rng.pick([-2, -1, 1, 2, 10])
                guard wrong >= 0 else { return nil }
                var steps = gold.steps
                steps[n - 1].text = Self.replacingAnswer(in: steps[n - 1].text, with: Double(wrong))
                return InjectedMistake(solution: Solution(steps: steps), step: n, kind: kind)
            case .unparseable:
                let k = rng.nextInt(below: n)
                var steps = gold.steps
                guard let claim = steps[k].claims.first else { return nil }
                // Drop the second operand: "4 * = 24" is the kind of garbage a small model writes.
                let o = graph.operations[k]
                let garbled = "\(graph.value(of: o.lhs)) \(o.op.symbol) = \(o.result)"
                steps[k].text.replaceSubrange(claim.range, with: garbled)
                return InjectedMistake(solution: Solution(steps: steps), step: k + 1, kind: kind)
            }
        }

        /// The gold solution with step `k` rewritten (operands/operation/result) and later steps recomputed from the
        /// wrong value, as a model that trusts its own mistake would continue.
        func replay(from k: Int, kind: MistakeKind, operands: (Double, Double)? = nil, op: ArithmeticOp? = nil,
                    result: (Double, Double, ArithmeticOp) -> Double) -> InjectedMistake? {
            var values = graph.operations.map { Double($0.result) }
            var steps = gold.steps
            func operandValue(_ operand: ComputationGraph.Operand) -> Double {
                switch operand {
                case .quantity(let i): Double(graph.quantities[i])
                case .result(let i): values[i]
                }
            }
            for i in k..<n {
                let o = graph.operations[i]
                let (a, b) = i == k ? (operands ?? (operandValue(o.lhs), operandValue(o.rhs)))
                                    : (operandValue(o.lhs), operandValue(o.rhs))
                let stepOp = i == k ? (op ?? o.op) : o.op
                let r: Double
                if i == k {
                    r = result(a, b, stepOp)
                } else {
                    guard let v = stepOp.apply(a, b) else { return nil }
                    r = Double(NumberText.render(v)) ?? v  // a model carries the rounded value it wrote
                }
                values[i] = r
                guard let claim = steps[i].claims.first else { return nil }
                steps[i].text.replaceSubrange(claim.range, with: ArithmeticClaim.render([a, b], [stepOp], result: r))
            }
            steps[n - 1].text = Self.replacingAnswer(in: steps[n - 1].text, with: values[n - 1])
            return InjectedMistake(solution: Solution(steps: steps), step: k + 1, kind: kind)
        }

        static func replacingAnswer(in text: String, with value: Double) -> String {
            guard let r = text.range(of: "The answer is ", options: .backwards) else { return text }
            return String(text[..<r.upperBound]) + NumberText.render(value) + "."
        }
    }
}
