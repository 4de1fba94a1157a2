import LemaCore

/// Rates over time: reading pages a day, saving dollars a week, walking km a day.
extension ProblemGenerator {
    /// One activity's words.
    struct Activity {
        let verb: String, verbs: String, past: String, participle: String, unit: String, period: String
        /// "a day", "an hour".
        var perPeriod: String { period == "hour" ? "an hour" : "a \(period)" }
    }

    static let activities: [Activity] = [
        Activity(verb: "read", verbs: "reads", past: "read", participle: "read", unit: "pages", period: "day"),
        Activity(verb: "walk", verbs: "walks", past: "walked", participle: "walked", unit: "km", period: "day"),
        Activity(verb: "save", verbs: "saves", past: "saved", participle: "saved", unit: "dollars", period: "week"),
        Activity(verb: "bake", verbs: "bakes", past: "baked", participle: "baked", unit: "cookies", period: "day"),
        Activity(verb: "swim", verbs: "swims", past: "swam", participle: "swum", unit: "laps", period: "day"),
        Activity(verb: "earn", verbs: "earns", past: "earned", participle: "earned", unit: "dollars", period: "hour"),
    ]

    func rateStory(steps: Int, names: [String], _ rng: inout SeededRNG) -> StoryDraft? {
        var d = StoryDraft()
        let p = names[0]
        let act = rng.pick(Self.activities)
        let (verb, verbs, unit, period, per) = (act.verb, act.verbs, act.unit, act.period, act.perPeriod)
        guard let a = picker.operand(&rng, from: 2, to: 12),
              let b = picker.operand(&rng, from: 2, to: min(9, config.maxValue / a)) else { return nil }
        switch steps {
        case 1:
            d.sentences.append("\(p) \(verbs) \(a) \(unit) \(per).")
            let qa = d.state(a), qb = d.state(b)
            guard d.compute(.multiply, qa, qb, maxValue: config.maxValue,
                            body: { "In \(b) \(period)s \(p) will \(verb) \($0) \(unit)." }) != nil else { return nil }
            d.questionSentence = "How many \(unit) will \(p) \(verb) in \(b) \(period)s?"
        case 2:
            let done = a * b
            guard let extra = picker.operand(&rng, from: 2, to: min(config.operandRange.upperBound, config.maxValue - done))
            else { return nil }
            let goal = done + extra
            d.sentences.append("\(p) wants to \(verb) \(goal) \(unit).")
            let qgoal = d.state(goal)
            d.sentences.append("\(p) \(verbs) \(a) \(unit) \(per) for \(b) \(period)s.")
            let qa = d.state(a), qb = d.state(b)
            guard let x = d.compute(.multiply, qa, qb, maxValue: config.maxValue, body: { "So far \(p) has \(act.participle) \($0) \(unit)." }),
                  d.compute(.subtract, qgoal, x, maxValue: config.maxValue, body: { "\(p) still needs \($0) \(unit)." }) != nil
            else { return nil }
            d.questionSentence = "How many more \(unit) does \(p) need?"
        default:
            guard let c = picker.operand(&rng, from: 2, to: 12),
                  let e = picker.operand(&rng, from: 2, to: min(9, config.maxValue / c)) else { return nil }
            d.sentences.append("\(p) \(verbs) \(a) \(unit) \(per) for \(b) \(period)s, then \(c) \(unit) \(per) for \(e) \(period)s.")
            let qa = d.state(a), qb = d.state(b), qc = d.state(c), qe = d.state(e)
            guard let x = d.compute(.multiply, qa, qb, maxValue: config.maxValue, body: { "First \(p) \(act.past) \($0) \(unit)." }),
                  let y = d.compute(.multiply, qc, qe, maxValue: config.maxValue, body: { "Then \(p) \(act.past) \($0) \(unit)." }),
                  d.compute(.add, x, y, maxValue: config.maxValue, body: { "In all \(p) \(act.past) \($0) \(unit)." }) != nil
            else { return nil }
            d.questionSentence = "How many \(unit) did \(p) \(verb) in all?"
        }
        return d
    }
}
