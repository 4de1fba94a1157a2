/// Writes explanations that name the error with its numbers, like a careful teacher would.
struct Explainer {
    let graph: ComputationGraph

    func explain(_ diagnosis: Diagnosis) -> String {
        guard let detail = diagnosis.detail else { return "" }
        switch detail {
        case .arithmeticSlip(let claim, let exact):
            return "\(left(claim)) is \(NumberText.render(exact)), not \(NumberText.render(claim.claimedResult))."
        case .wrongOperation(let claim, let expected):
            let o = graph.operations[expected]
            return "This step should use \(noun(o.op)), not \(noun(claim.operators[0])): \(text(expected))."
        case .wrongOperand(let claim, let expected):
            let o = graph.operations[expected]
            let needed = [graph.value(of: o.lhs), graph.value(of: o.rhs)].map(Double.init)
            let wrong = claim.operands.first(where: { !needed.contains($0) }) ?? claim.operands[0]
            let right = needed.first(where: { !claim.operands.contains($0) }) ?? needed[0]
            let source = sourceOf(value: right, in: o)
            return "This step uses \(NumberText.render(wrong)) where it needs \(NumberText.render(right))\(source): \(text(expected))."
        case .missingStep(let claim, let missing):
            let uses = claim.operands.first(where: { v in missing.contains { Double(graph.operations[$0].result) == v } })
            let what = uses.map { "uses \(NumberText.render($0)) before computing it" } ?? "skips a step"
            return "This step \(what); first compute \(missing.map(text).joined(separator: " and "))."
        case .extraStep(let claim, let expected):
            let instead = expected.map { " The next step should be \(text($0))." } ?? ""
            return "\(left(claim)) = \(NumberText.render(claim.claimedResult)) is not needed to answer the question.\(instead)"
        case .wrongFinalAnswer(let stated, let expected):
            guard let value = stated.value else {
                return "The solution does not state its final answer; it is \(expected)."
            }
            return "The steps give \(expected), so the answer is \(expected), not \(NumberText.render(value))."
        case .unparseable(let expected):
            let next = expected.map { "; it should compute \(text($0))" } ?? ""
            return "This step does not state a calculation that can be checked\(next)."
        case .stopsEarly(let remaining):
            return "The solution stops too early; it still has to compute \(remaining.map(text).joined(separator: " and "))."
        }
    }

    /// `a op b` of a claim.
    private func left(_ claim: ArithmeticClaim) -> String {
        var s = NumberText.render(claim.operands[0])
        for (op, v) in zip(claim.operators, claim.operands.dropFirst()) { s += " \(op.symbol) \(NumberText.render(v))" }
        return s
    }

    /// `a op b = c` of a graph operation.
    private func text(_ i: Int) -> String {
        let o = graph.operations[i]
        return "\(graph.value(of: o.lhs)) \(o.op.symbol) \(graph.value(of: o.rhs)) = \(o.result)"
    }

    private func noun(_ op: ArithmeticOp) -> String {
        switch op {
        case .add: "addition"
        case .subtract: "subtraction"
        case .multiply: "multiplication"
        case .divide: "division"
        }
    }

    /// " (from the question)" or " (the result of an earlier step)".
    private func sourceOf(value: Double, in o: ComputationGraph.Operation) -> String {
        for operand in [o.lhs, o.rhs] where Double(graph.value(of: operand)) == value {
            switch operand {
            case .quantity: return " (from the question)"
            case .result: return " (from an earlier step)"
            }
        }
        return ""
    }
}
