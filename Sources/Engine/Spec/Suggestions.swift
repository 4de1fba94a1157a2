/// "Did you mean …?" suggestions by edit distance.
public enum Suggestions {
    /// The closest candidate to `word`, if it is close enough to be a plausible typo.
    /// Close enough: distance ≤ max(1, ⌊length/3⌋) (and at most 3); words of one or two letters get no
    /// suggestion (any letter is one edit from any other), nor do words longer than
    /// `SpecLimits.maxSuggestedLength` (typos of such names are not the common case, and the comparison's cost
    /// grows with the length). Ties go to the earlier candidate.
    public static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        guard word.unicodeScalars.dropFirst(SpecLimits.maxSuggestedLength).isEmpty else { return nil }
        let w = Array(word.unicodeScalars)
        guard w.count > 2 else { return nil }
        let limit = min(3, max(1, w.count / 3))
        var best: (name: String, distance: Int)?
        for candidate in candidates where candidate != word {
            // Skip far longer candidates before copying them (the length check below is exact).
            if !candidate.unicodeScalars.dropFirst(w.count + limit).isEmpty { continue }
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
    /// Only cells within `limit` of the diagonal are computed (a path leaving that band costs more than `limit`),
    /// and the search returns early with a value > `limit` once every cell of a row exceeds it.
    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int = .max) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        let beyond = limit == .max ? Int.max / 2 : limit + 1  // stands for "more than limit" outside the band
        if abs(a.count - b.count) >= beyond { return beyond }  // the distance is at least the length difference
        var previous2 = [Int](repeating: beyond, count: b.count + 1)
        var previous = (0...b.count).map { min($0, beyond) }
        var current = [Int](repeating: beyond, count: b.count + 1)
        for i in 1...a.count {
            current[0] = min(i, beyond)
            var rowMin = current[0]
            let low = limit == .max ? 1 : max(1, i - limit)
            let high = limit == .max ? b.count : min(b.count, i + limit)
            if low > 1 { current[low - 1] = beyond }
            if high < b.count { current[high + 1] = beyond }
            if low > high { return beyond }
            for j in low...high {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var v = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { v = min(v, previous2[j - 2] + 1) }
                v = min(v, beyond)
                current[j] = v
                rowMin = min(rowMin, v)
            }
            if rowMin > limit { return rowMin }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
