import LemaCore

/// The story families. Each builds a draft with exactly the requested number of steps or returns `nil` (numbers did
/// not fit; the generator then tries again with fresh randomness).
extension ProblemGenerator {
    /// Which families can tell a story of `steps` steps with the allowed operations.
    func families(forSteps steps: Int) -> [(inout SeededRNG, [String]) -> StoryDraft?] {
        var out: [(inout SeededRNG, [String]) -> StoryDraft?] = [
            { rng, names in self.chainStory(steps: steps, names: names, &rng) },
        ]
        let ops = Set(config.operations)
        if steps <= 3 { out.append { rng, names in self.comparisonStory(steps: steps, names: names, &rng) } }
        if steps <= 3, ops.contains(.multiply) {
            out.append { rng, names in self.shoppingStory(steps: steps, names: names, &rng) }
        }
        if steps >= 2, ops.contains(.multiply) {
            out.append { rng, names in self.groupsStory(steps: steps, names: names, &rng) }
        }
        if steps <= 3, ops.contains(.multiply), steps != 2 || ops.contains(.subtract) {
            out.append { rng, names in self.rateStory(steps: steps, names: names, &rng) }
        }
        return out
    }

    /// One owner whose pile changes step by step: buys, gives away, multiplies, splits.
    func chainStory(steps: Int, names: [String], _ rng: inout SeededRNG) -> StoryDraft? {
        var d = StoryDraft()
        let p = names[0], q = names[1]
        let items = rng.pick(Vocabulary.items).1
        var current: ComputationGraph.Operand
        var remaining = steps
        if config.operations.contains(.multiply), rng.chance(0.35) {
            let boxes = rng.pick(Vocabulary.containers).1
            guard let a = picker.operand(&rng, from: 2, to: 9),
                  let b = picker.operand(&rng, from: 2, to: min(12, config.maxValue / a)) else { return nil }
            d.sentences.append("\(p) has \(a) \(boxes) with \(b) \(items) in each.")
            let qa = d.state(a), qb = d.state(b)
            guard let r = d.compute(.multiply, qa, qb, maxValue: config.maxValue, body: { "\(p) has \($0) \(items)." })
            else { return nil }
            current = r
            remaining -= 1
        } else {
            guard let a = picker.operand(&rng, from: 2, to: config.operandRange.upperBound) else { return nil }
            d.sentences.append("\(p) has \(a) \(items).")
            current = d.state(a)
        }
        for _ in 0..<remaining {
            guard let next = chainStep(&d, current, owner: p, other: q, items: items, &rng) else { return nil }
            current = next
        }
        d.questionSentence = rng.pick(["How many \(items) does \(p) have now?",
                                       "How many \(items) does \(p) have at the end?"])
        return d
    }

    /// One change to the owner's pile, with an operation chosen among those that fit the current value.
    private func chainStep(_ d: inout StoryDraft, _ current: ComputationGraph.Operand, owner p: String, other q: String,
                           items: String, _ rng: inout SeededRNG) -> ComputationGraph.Operand? {
        let v = d.value(current)
        var ops = config.operations
        rng.shuffle(&ops)
        for op in ops {
            switch op {
            case .add:
                guard let b = picker.addend(to: v, &rng) else { continue }
                d.sentences.append(rng.pick(["\(p) buys \(b) more \(items).", "\(q) gives \(p) \(b) more \(items).",
                                             "\(p) finds \(b) more \(items)."]))
                let body = rng.pick(["Now \(p) has #.", "\(p) then has #."])
                let qb = d.state(b)
                return d.compute(.add, current, qb, maxValue: config.maxValue) {
                    body.replacingOccurrences(of: "#", with: "\($0) \(items)")
                }
            case .subtract:
                guard let b = picker.subtrahend(from: v, &rng) else { continue }
                d.sentences.append(rng.pick(["\(p) gives \(b) \(items) to \(q).", "\(p) loses \(b) \(items).",
                                             "\(p) sells \(b) \(items)."]))
                let qb = d.state(b)
                return d.compute(.subtract, current, qb, maxValue: config.maxValue) {
                    "\(p) has \($0) \(items) left."
                }
            case .multiply:
                guard let b = picker.factor(for: v, &rng) else { continue }
                d.sentences.append(rng.pick(["Then \(p) has \(b) times as many \(items).", "\(p)'s \(items) grow \(b) times."]))
                let qb = d.state(b)
                return d.compute(.multiply, current, qb, maxValue: config.maxValue) {
                    "\(p) has \($0) \(items)."
                }
            case .divide:
                guard let b = picker.divisor(of: v, &rng), v / b >= 2 else { continue }
                d.sentences.append("\(p) splits the \(items) into \(b) equal piles and keeps one.")
                let qb = d.state(b)
                return d.compute(.divide, current, qb, maxValue: config.maxValue) {
                    "\(p) keeps \($0) \(items)."
                }
            }
        }
        return nil
    }

    /// Two or three people compared: "Q has 4 more shells than P".
    func comparisonStory(steps: Int, names: [String], _ rng: inout SeededRNG) -> StoryDraft? {
        var d = StoryDraft()
        let p = names[0], q = names[1], r = names[2]
        let items = rng.pick(Vocabulary.items).1
        guard let a = picker.operand(&rng, from: 3, to: config.operandRange.upperBound) else { return nil }
        d.sentences.append("\(p) has \(a) \(items).")
        let qa = d.state(a)
        guard let qq = compare(&d, base: qa, subject: q, object: p, items: items, &rng) else { return nil }
        switch steps {
        case 1:
            d.questionSentence = "How many \(items) does \(q) have?"
        case 2:
            guard d.compute(.add, qa, qq, maxValue: config.maxValue, body: { "Together they have \($0) \(items)." })
                    != nil else { return nil }
            d.questionSentence = "How many \(items) do \(p) and \(q) have together?"
        default:
            guard let qr = compare(&d, base: qq, subject: r, object: q, items: items, &rng),
                  d.compute(.add, qq, qr, maxValue: config.maxValue, body: { "Together they have \($0) \(items)." })
                    != nil else { return nil }
            d.questionSentence = "How many \(items) do \(q) and \(r) have together?"
        }
        return d
    }

    /// "S has b more/fewer/times as many items as O" and the step computing S's count.
    private func compare(_ d: inout StoryDraft, base: ComputationGraph.Operand, subject s: String, object o: String,
                         items: String, _ rng: inout SeededRNG) -> ComputationGraph.Operand? {
        let v = d.value(base)
        var ops = config.operations.filter { $0 != .divide }
        rng.shuffle(&ops)
        for op in ops {
            let b: Int?
            let sentence: (Int) -> String
            switch op {
            case .add:
                b = picker.addend(to: v, &rng)
                sentence = { "\(s) has \($0) more \(items) than \(o)." }
            case .subtract:
                b = picker.subtrahend(from: v, &rng)
                sentence = { "\(s) has \($0) fewer \(items) than \(o)." }
            case .multiply:
                b = picker.factor(for: v, &rng)
                sentence = { "\(s) has \($0) times as many \(items) as \(o)." }
            case .divide:
                b = nil
                sentence = { _ in "" }
            }
            guard let b else { continue }
            d.sentences.append(sentence(b))
            let qb = d.state(b)
            return d.compute(op, base, qb, maxValue: config.maxValue) { "\(s) has \($0) \(items)." }
        }
        return nil
    }

    /// Buying things at a price, with change or a second purchase.
    func shoppingStory(steps: Int, names: [String], _ rng: inout SeededRNG) -> StoryDraft? {
        var d = StoryDraft()
        let p = names[0]
        let goods = rng.pickDistinct(Vocabulary.goods, count: 2)
        guard let a = picker.operand(&rng, from: 2, to: 9),
              let b = picker.operand(&rng, from: 2, to: min(12, config.maxValue / a)) else { return nil }
        let qa = d.state(a), qb = d.state(b)
        switch steps {
        case 1:
            d.sentences.append("\(p) buys \(a) \(goods[0]) for $\(b) each.")
            guard d.compute(.multiply, qa, qb, maxValue: config.maxValue, body: { "\(p) spends \($0) dollars." })
                    != nil else { return nil }
            d.questionSentence = "How much does \(p) spend?"
        case 2:
            let cost = a * b
            let bills = [10, 20, 50, 100, 200].filter { $0 > cost && $0 <= config.maxValue }
            guard !bills.isEmpty else { return nil }
            let bill = rng.pick(bills)
            d.sentences.append("\(p) buys \(a) \(goods[0]) for $\(b) each and pays with a $\(bill) bill.")
            let qbill = d.state(bill)
            guard let c = d.compute(.multiply, qa, qb, maxValue: config.maxValue,
                                    body: { "The \(goods[0]) cost \($0) dollars." }),
                  d.compute(.subtract, qbill, c, maxValue: config.maxValue, body: { "The change is \($0) dollars." })
                    != nil else { return nil }
            d.questionSentence = "How much change does \(p) get?"
        default:
            guard let c = picker.operand(&rng, from: 2, to: 9),
                  let e = picker.operand(&rng, from: 2, to: min(12, config.maxValue / c)) else { return nil }
            d.sentences.append("\(p) buys \(a) \(goods[0]) for $\(b) each and \(c) \(goods[1]) for $\(e) each.")
            let qc = d.state(c), qe = d.state(e)
            guard let x = d.compute(.multiply, qa, qb, maxValue: config.maxValue,
                                    body: { "The \(goods[0]) cost \($0) dollars." }),
                  let y = d.compute(.multiply, qc, qe, maxValue: config.maxValue,
                                    body: { "The \(goods[1]) cost \($0) dollars." }),
                  d.compute(.add, x, y, maxValue: config.maxValue, body: { "\(p) spends \($0) dollars." }) != nil
            else { return nil }
            d.questionSentence = "How much does \(p) spend in total?"
        }
        return d
    }

    /// Items in containers plus loose items or a second kind of container; beyond three steps the owner's pile
    /// then changes as in `chainStory`.
    func groupsStory(steps: Int, names: [String], _ rng: inout SeededRNG) -> StoryDraft? {
        var d = StoryDraft()
        let p = names[0]
        let items = rng.pick(Vocabulary.items).1
        let containers = rng.pickDistinct(Vocabulary.containers, count: 2)
        guard let a = picker.operand(&rng, from: 2, to: 9),
              let b = picker.operand(&rng, from: 2, to: min(12, config.maxValue / a)) else { return nil }
        let qa = d.state(a), qb = d.state(b)
        guard let x = d.compute(.multiply, qa, qb, maxValue: config.maxValue,
                                body: { "The \(containers[0].1) hold \($0) \(items)." }) else { return nil }
        let base = min(steps, 3)
        let total: ComputationGraph.Operand?
        if base == 2 {
            guard let c = picker.operand(&rng, from: 2, to: config.operandRange.upperBound) else { return nil }
            d.sentences.append("\(p) has \(a) \(containers[0].1) with \(b) \(items) each and \(c) loose \(items).")
            let qc = d.state(c)
            total = d.compute(.add, x, qc, maxValue: config.maxValue, body: { "\(p) has \($0) \(items)." })
        } else {
            guard let c = picker.operand(&rng, from: 2, to: 9),
                  let e = picker.operand(&rng, from: 2, to: min(12, config.maxValue / c)) else { return nil }
            d.sentences.append("\(p) has \(a) \(containers[0].1) with \(b) \(items) each and \(c) \(containers[1].1) with \(e) \(items) each.")
            let qc = d.state(c), qe = d.state(e)
            guard let y = d.compute(.multiply, qc, qe, maxValue: config.maxValue,
                                    body: { "The \(containers[1].1) hold \($0) \(items)." }) else { return nil }
            total = d.compute(.add, x, y, maxValue: config.maxValue, body: { "\(p) has \($0) \(items)." })
        }
        guard var current = total else { return nil }
        for _ in base..<steps {
            guard let next = chainStep(&d, current, owner: p, other: names[1], items: items, &rng) else { return nil }
            current = next
        }
        d.questionSentence = steps == base ? "How many \(items) does \(p) have in all?" : "How many \(items) does \(p) have now?"
        return d
    }
}
