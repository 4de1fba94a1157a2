/// "Did you mean …?" suggestions by edit distance.
public enum Suggestions {
    /// The closest candidate to `word`, if it is close enough to be a plausible typo.
    /// Close enough: distance ≤ max(1, ⌊length/3⌋) (and at most 3); words of one or two letters get no
    /// suggestion (any letter is one edit from any other). Ties go to the earlier candidate.
    public static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        let w = Array(word.unicodeScalars)
        guard w.count > 2 else { return nil }
        let limit = min(3, max(1, w.count / 3))
        var best: (name: String, distance: Int)?
        for candidate in candidates where candidate != word {
            let c = Array(candidate.unicodeScalars)
            if abs(c.count - w.count) > limit { continue }
            let d = distance(w, c, limit: limit)
            if d <= limit, d < (best?.distance ?? .max) { best = (candidate, d) }
        }
        return best?.name
    }

    /// " — did you mean 'x'?" or "".
    public static func hint(for word: String, in candidates: some Sequence<String>) -> String {
        if let s = closest(to: word, in: candidates) { return " — did you mean '\(s)'?" }
        return ""
    }

    /// Levenshtein distance with transpositions counted as one edit (optimal string alignment).
    /// Returns early with a value > `limit` once every cell of a row exceeds it.
    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int = .max) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMin = current[0]
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var v = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { v = min(v, previous2[j - 2] + 1) }
                current[j] = v
                rowMin = min(rowMin, v)
            }
            if rowMin > limit { return rowMin }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
