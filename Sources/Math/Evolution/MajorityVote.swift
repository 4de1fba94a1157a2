/// Pseudo-gold answers by majority vote over a teacher's k answers (LeMa's labels for evolved questions, which
/// have no gold answer).
public enum MajorityVote {
    /// What a vote decided.
    public enum Outcome: Equatable, Sendable {
        /// `answer` won with `votes` of the k answers.
        case label(answer: Double, votes: Int)
        /// No answer won more than the required share, or the two most common answers tied.
        case noMajority(topVotes: Int)
        /// None of the k paths gave an answer.
        case noAnswers
    }

    /// The majority answer among `answers` (nil = the path gave no answer, which counts as a vote for nothing): the
    /// most common answer wins when its votes exceed `minShare` of all k paths and no other answer has as many.
    /// `minShare` 0.5 asks for a strict majority; 0 for a plurality without ties.
    public static func decide(_ answers: [Double?], minShare: Double = 0.5) -> Outcome {
        var counts: [Double: Int] = [:]
        var firstSeen: [Double] = []
        for case let answer? in answers {
            if counts[answer] == nil { firstSeen.append(answer) }
            counts[answer, default: 0] += 1
        }
        guard !firstSeen.isEmpty else { return .noAnswers }
        let ranked = firstSeen.sorted { counts[$0, default: 0] > counts[$1, default: 0] }
        let top = counts[ranked[0], default: 0]
        if ranked.count > 1, counts[ranked[1], default: 0] == top { return .noMajority(topVotes: top) }
        guard Double(top) > minShare * Double(answers.count) else { return .noMajority(topVotes: top) }
        return .label(answer: ranked[0], votes: top)
    }
}
