/// The kinds of mistakes the oracle tells apart.
public enum MistakeKind: String, Codable, Sendable, Hashable, CaseIterable {
    /// Right operands and operation, wrong result: `47 - 9 = 37`.
    case arithmeticSlip
    /// Right operation, but one operand is not the value the step needs.
    case wrongOperand
    /// Right operands, wrong operation.
    case wrongOperation
    /// Uses a value that an omitted step should have computed (or stops before the answer).
    case missingStep
    /// Computes something the question does not need.
    case extraStep
    /// Every step is right but the stated final answer is not what they compute (or is missing).
    case wrongFinalAnswer
    /// The step states no checkable calculation.
    case unparseable
}

/// The outcome of checking a solution.
public enum Verdict: Codable, Sendable, Hashable {
    /// Every step is right and the stated answer is the gold one.
    case correct
    /// `step` is the 1-based position of the first incorrect step in the solution.
    case mistake(step: Int, kind: MistakeKind)
}

/// What exactly is wrong, with the values an explanation needs.
public enum MistakeDetail: Sendable, Hashable {
    /// The claim's left side evaluates to `exact`, not to what it states.
    case arithmeticSlip(claim: ArithmeticClaim, exact: Double)
    /// `expected` is the graph operation the step should compute.
    case wrongOperand(claim: ArithmeticClaim, expected: Int)
    /// `expected` is the graph operation whose operands the claim uses with the wrong operation.
    case wrongOperation(claim: ArithmeticClaim, expected: Int)
    /// `missing` are the graph operations that must be computed first, in graph order.
    case missingStep(claim: ArithmeticClaim, missing: [Int])
    /// `expected` is the operation that should come next (nil when none is left).
    case extraStep(claim: ArithmeticClaim, expected: Int?)
    /// The answer stated (or `.none`) and the gold answer.
    case wrongFinalAnswer(stated: ExtractedAnswer, expected: Int)
    /// `expected` is the operation the step should compute, if any is ready.
    case unparseable(expected: Int?)
    /// The solution ends with operations still to do (`remaining` are graph operation indices).
    case stopsEarly(remaining: [Int])
}

/// The result of `StepChecker.check`: the verdict, what the valid prefix computed, and the mistake's details.
public struct Diagnosis: Sendable, Hashable {
    /// Correct, or the first incorrect step and its kind.
    public var verdict: Verdict
    /// Graph operations matched by the steps before the first incorrect one (all of them when correct), in order.
    public var matchedOperations: [Int]
    /// The numbers behind the mistake; `nil` when the solution is correct.
    public var detail: MistakeDetail?
}

/// Checks a solution against a computation graph, step by step. A step is right when its calculation is one of the
/// graph's operations whose inputs are already known (stated quantities or results of earlier correct steps) and
/// its result is right — so steps done in another valid order are accepted. The first step that is not right is
/// classified (see `MistakeKind`).
public enum StepChecker {
    /// Checks `solution` against `graph`. An empty solution is an `.unparseable` mistake at step 1.
    public static func check(_ solution: Solution, against graph: ComputationGraph) -> Diagnosis {
        var state = State(graph: graph)
        guard !solution.steps.isEmpty else {
            return Diagnosis(verdict: .mistake(step: 1, kind: .unparseable), matchedOperations: [],
                             detail: .unparseable(expected: state.readyOperations.first))
        }
        for (position, step) in solution.steps.enumerated() {
            let claims = step.claims
            let isLast = position == solution.steps.count - 1
            if claims.isEmpty {
                // A final "The answer is N." step after a complete computation is fine.
                if isLast && state.isComplete { break }
                return state.mistake(at: position, .unparseable, .unparseable(expected: state.readyOperations.first))
            }
            var matched: [Int] = []
            for claim in claims {
                switch state.classify(claim) {
                case .matched(let op):
                    matched.append(op)
                    state.markDone(op)
                case .mistake(let kind, let detail):
                    for op in matched { state.unmarkDone(op) }
                    return state.mistake(at: position, kind, detail)
                }
            }
            state.steps.append(contentsOf: matched)
        }
        let last = solution.steps.count - 1
        guard state.isComplete else {
            let remaining = graph.operations.indices.filter { !state.done.contains($0) }
            // The mistake is located at the last step: the solution should continue from there.
            state.rollBack(stepAt: last, in: solution)
            return state.mistake(at: last, .missingStep, .stopsEarly(remaining: remaining))
        }
        let stated = AnswerExtraction.extract(solution.text)
        let answer = graph.answer
        guard let value = stated.value, AnswerComparison.matches(value, gold: Double(answer)) else {
            state.rollBack(stepAt: last, in: solution)
            return state.mistake(at: last, .wrongFinalAnswer, .wrongFinalAnswer(stated: stated, expected: answer))
        }
        return Diagnosis(verdict: .correct, matchedOperations: state.steps, detail: nil)
    }

    /// The graph operations that the leading correct steps of `steps` compute, stopping at the first step that is
    /// not right (no completeness or final-answer check: for prefixes of solutions).
    public static func acceptedOperations(_ steps: [Step], against graph: ComputationGraph) -> [Int] {
        var state = State(graph: graph)
        for step in steps {
            var matched: [Int] = []
            for claim in step.claims {
                guard case .matched(let op) = state.classify(claim) else { return state.steps }
                matched.append(op)
                state.markDone(op)
            }
            state.steps.append(contentsOf: matched)
        }
        return state.steps
    }

    private enum Classification {
        case matched(Int)
        case mistake(MistakeKind, MistakeDetail)
    }

    private struct State {
        let graph: ComputationGraph
        var done = Set<Int>()
        /// Operations matched by accepted steps, in order.
        var steps: [Int] = []

        init(graph: ComputationGraph) { self.graph = graph }

        var isComplete: Bool { done.count == graph.operations.count }

        var readyOperations: [Int] {
            graph.operations.indices.filter { !done.contains($0) && graph.dependencies(of: $0).allSatisfy(done.contains) }
        }

        var availableValues: [Double] {
            graph.quantities.map(Double.init) + done.sorted().map { Double(graph.operations[$0].result) }
        }

        mutating func markDone(_ op: Int) { done.insert(op) }
        mutating func unmarkDone(_ op: Int) { done.remove(op) }

        /// Forgets what the step at `position` matched (the corrected solution restarts there).
        mutating func rollBack(stepAt position: Int, in solution: Solution) {
            let claimsOps = solution.steps[position].claims.count
            guard claimsOps > 0 else { return }
            for op in steps.suffix(claimsOps) { done.remove(op) }
            steps.removeLast(min(claimsOps, steps.count))
        }

        func mistake(at position: Int, _ kind: MistakeKind, _ detail: MistakeDetail) -> Diagnosis {
            Diagnosis(verdict: .mistake(step: position + 1, kind: kind), matchedOperations: steps, detail: detail)
        }

        func operandValues(_ op: Int) -> (Double, Double) {
            let o = graph.operations[op]
            return (Double(graph.value(of: o.lhs)), Double(graph.value(of: o.rhs)))
        }

        func sameOperands(_ claim: (Double, Double), _ op: Int, commutative: Bool) -> Bool {
            let (a, b) = operandValues(op)
            if claim.0 == a && claim.1 == b { return true }
            return commutative && claim.0 == b && claim.1 == a
        }

        func classify(_ claim: ArithmeticClaim) -> Classification {
            let ready = readyOperations
            guard claim.operands.count == 2 else {
                return .mistake(.unparseable, .unparseable(expected: ready.first))
            }
            let pair = (claim.operands[0], claim.operands[1])
            let op = claim.operators[0]
            // 1. The calculation of a ready operation: right, or an arithmetic slip.
            if let r = ready.first(where: { graph.operations[$0].op == op && sameOperands(pair, $0, commutative: op.isCommutative) }) {
                let exact = Double(graph.operations[r].result)
                if NumberText.matches(claimed: claim.claimedResult, exact: exact, decimals: claim.claimedDecimals) {
                    return .matched(r)
                }
                return .mistake(.arithmeticSlip, .arithmeticSlip(claim: claim, exact: exact))
            }
            // 2. The right numbers combined with the wrong operation.
            if let r = ready.first(where: { sameOperands(pair, $0, commutative: true) }) {
                return .mistake(.wrongOperation, .wrongOperation(claim: claim, expected: r))
            }
            // 3. A later operation whose inputs were never computed: a step is missing.
            let pending = graph.operations.indices.filter { !done.contains($0) && !ready.contains($0) }
            if let u = pending.first(where: { graph.operations[$0].op == op && sameOperands(pair, $0, commutative: op.isCommutative) }) {
                return .mistake(.missingStep, .missingStep(claim: claim, missing: missingPrerequisites(of: u)))
            }
            // 4. The right operation with one operand that is not the needed value.
            if let r = ready.first(where: { candidate in
                let (a, b) = operandValues(candidate)
                return graph.operations[candidate].op == op && (pair.0 == a || pair.1 == b
                    || (op.isCommutative && (pair.0 == b || pair.1 == a)))
            }) {
                return .mistake(.wrongOperand, .wrongOperand(claim: claim, expected: r))
            }
            // 5. A correct calculation on known values that the question does not need.
            let available = availableValues
            if claim.isCorrect, available.contains(pair.0), available.contains(pair.1) {
                return .mistake(.extraStep, .extraStep(claim: claim, expected: ready.first))
            }
            if !claim.isCorrect, let exact = claim.computedResult {
                return .mistake(.arithmeticSlip, .arithmeticSlip(claim: claim, exact: exact))
            }
            guard let first = ready.first else { return .mistake(.extraStep, .extraStep(claim: claim, expected: nil)) }
            return .mistake(.wrongOperand, .wrongOperand(claim: claim, expected: first))
        }

        /// Operations not yet done that `op` needs, directly or not, in graph order.
        func missingPrerequisites(of op: Int) -> [Int] {
            var needed = Set<Int>()
            var stack = graph.dependencies(of: op)
            while let d = stack.popLast() {
                guard !done.contains(d), needed.insert(d).inserted else { continue }
                stack += graph.dependencies(of: d)
            }
            return needed.sorted()
        }
    }
}
