import LemaCore

/// Settings of one dedupe pass (the `dedupe` kind's parameters, typed).
public struct DedupeOptions: Sendable, Hashable {
    /// Remove records whose normalized text equals an earlier record's (`exact`, default true).
    public var exact: Bool
    /// Remove near duplicates found by MinHash + LSH and verified by exact Jaccard (`near`, default true).
    public var near: Bool
    /// Records whose shingle sets have Jaccard similarity ≥ this are near duplicates.
    public var threshold: Double
    /// Shingle unit (`shingle`, default `.char`).
    public var shingle: ShingleUnit
    /// Units per shingle; defaults to 5 for `.char` and 3 for `.word`.
    public var shingleSize: Int
    /// MinHash permutations (`num_perm`, default 128); at least 1.
    public var permutations: Int
    /// LSH bands (`bands`, default 32), clamped to 1...`permutations`; rows per band = permutations / bands.
    public var bands: Int

    /// A value with the given fields.
    public init(exact: Bool = true, near: Bool = true, threshold: Double = 0.8, shingle: ShingleUnit = .char,
                shingleSize: Int? = nil, permutations: Int = 128, bands: Int = 32) {
        self.exact = exact
        self.near = near
        self.threshold = threshold
        self.shingle = shingle
        self.shingleSize = shingleSize ?? (shingle == .char ? 5 : 3)
        // Clamped so a direct caller cannot make banding divide by zero; the kind's `validate` reports bad values.
        self.permutations = max(1, permutations)
        self.bands = min(max(1, bands), self.permutations)
    }
}

/// Removed records grouped under the record kept in their place.
public struct DedupeCluster: Sendable, Hashable {
    /// Which pass removed a cluster's records.
    public enum Kind: String, Sendable { case exact, near }
    /// Input index of the kept record (the first of its cluster in input order).
    public var kept: Int
    /// Input indices of removed records, ascending.
    public var removed: [Int]
    /// Why they were removed: `exact` = same normalized text as an earlier record; `near` = linked to the kept
    /// record by a chain of pairs with Jaccard ≥ threshold.
    public var kind: Kind
}

/// What a dedupe pass decided.
public struct DedupeResult: Sendable, Hashable {
    /// Input indices of the records kept, ascending.
    public var kept: [Int]
    /// Sorted by kept index; the `exact` entry of a kept record comes before its `near` entry.
    public var clusters: [DedupeCluster]
    /// Records removed as exact duplicates.
    public var exactRemoved: Int
    /// Records removed as near duplicates (after the exact pass).
    public var nearRemoved: Int
    /// Kept records that absorbed at least one removed record.
    public var clusterCount: Int
}

/// Exact + near-duplicate removal over records given as field texts. Pure and deterministic: the result depends
/// only on the texts, the options and the seed, not on `threads` (threads only split the per-record hashing).
public enum Deduplicator {
    /// - Parameter texts: per record, the texts of the compared fields (missing fields as "").
    /// - Parameter isCancelled: polled between phases; when it returns true the pass stops and returns nil.
    public static func run(texts: [[String]], options: DedupeOptions, seed: UInt64, threads: Int,
                           isCancelled: @Sendable () -> Bool = { false }) -> DedupeResult? {
        let n = texts.count
        let features = RecordFeatures.compute(texts: texts, options: options, seed: seed, threads: threads)
        if isCancelled() { return nil }

        // Exact phase: the first record with a given normalized text represents all later ones.
        var exactOf = [Int](repeating: -1, count: n)  // representative index, or -1 when the record is first
        if options.exact {
            var firstByKey: [String: Int] = [:]
            firstByKey.reserveCapacity(n)
            for j in 0..<n {
                if let first = firstByKey[features.keys[j]] { exactOf[j] = first } else { firstByKey[features.keys[j]] = j }
            }
        }
        if isCancelled() { return nil }

        // Near phase over the exact survivors: components of verified pairs; each root is its component's minimum.
        var components = UnionFind(count: n)
        if options.near {
            let eligible = (0..<n).filter { exactOf[$0] < 0 && !features.shingles[$0].isEmpty }
            NearDuplicates.link(eligible: eligible, features: features, options: options, threads: threads,
                                components: &components)
        }
        if isCancelled() { return nil }
        return assemble(exactOf: exactOf, components: &components)
    }

    private static func assemble(exactOf: [Int], components: inout UnionFind) -> DedupeResult {
        let n = exactOf.count
        var kept: [Int] = []
        var exactRemoved: [Int: [Int]] = [:]
        var nearRemoved: [Int: [Int]] = [:]
        for j in 0..<n {
            if exactOf[j] >= 0 {
                exactRemoved[components.find(exactOf[j]), default: []].append(j)
            } else {
                let root = components.find(j)
                if root == j { kept.append(j) } else { nearRemoved[root, default: []].append(j) }
            }
        }
        var clusters: [DedupeCluster] = []
        var clusterCount = 0
        for k in kept {
            let exact = exactRemoved[k] ?? [], near = nearRemoved[k] ?? []
            if !exact.isEmpty { clusters.append(DedupeCluster(kept: k, removed: exact, kind: .exact)) }
            if !near.isEmpty { clusters.append(DedupeCluster(kept: k, removed: near, kind: .near)) }
            if !exact.isEmpty || !near.isEmpty { clusterCount += 1 }
        }
        return DedupeResult(kept: kept, clusters: clusters,
                            exactRemoved: exactRemoved.values.reduce(0) { $0 + $1.count },
                            nearRemoved: nearRemoved.values.reduce(0) { $0 + $1.count },
                            clusterCount: clusterCount)
    }
}

/// Disjoint sets over `0..<count` whose root is always the smallest member, so "keep the root" keeps the first
/// record of each cluster in input order no matter in which order pairs were linked.
struct UnionFind {
    private var parent: [Int32]

    init(count: Int) { parent = (0..<count).map { Int32($0) } }

    mutating func find(_ x: Int) -> Int {
        var x = Int32(x)
        while parent[Int(x)] != x {
            let grand = parent[Int(parent[Int(x)])]
            parent[Int(x)] = grand  // path halving
            x = grand
        }
        return Int(x)
    }

    mutating func union(_ a: Int, _ b: Int) {
        let ra = find(a), rb = find(b)
        if ra == rb { return }
        if ra < rb { parent[rb] = Int32(ra) } else { parent[ra] = Int32(rb) }
    }
}
