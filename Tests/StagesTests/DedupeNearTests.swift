import Foundation
import LemaCore
import StageAPI
import Testing
@testable import Stages

/// Near duplicates with word shingles of size 1, so a text's shingle set is its word set and every Jaccard value
/// below is |shared| / |union| counted by hand.
@Suite struct DedupeNearTests {
    static let wordSets: [String: JSONValue] = ["shingle": .string("word"), "shingle_size": .int(1)]

    struct Case: Sendable, CustomStringConvertible {
        var label: String
        var other: [String]
        var threshold: Double
        var removed: Bool
        var description: String { label }
    }

    static let base = words(0..<10)  // w0 … w9

    static let cases: [Case] = [
        // one of 10 words replaced: shared 9, union 11 → 0.818
        Case(label: "9/11 ≥ 0.8", other: words(0..<9) + ["x1"], threshold: 0.8, removed: true),
        // two replaced: shared 8, union 12 → 0.667
        Case(label: "8/12 < 0.8", other: words(0..<8) + ["x1", "x2"], threshold: 0.8, removed: false),
        Case(label: "8/12 ≥ 0.65", other: words(0..<8) + ["x1", "x2"], threshold: 0.65, removed: true),
        // two words dropped: shared 8, union 10 → exactly 0.8 (the threshold is inclusive)
        Case(label: "8/10 = 0.8", other: words(0..<8), threshold: 0.8, removed: true),
        Case(label: "8/10 < 0.81", other: words(0..<8), threshold: 0.81, removed: false),
        // word order does not matter to a set of single words: 10/10
        Case(label: "reordered", other: base.reversed(), threshold: 1.0, removed: true),
    ]

    @Test(arguments: cases)
    func pairAgainstThreshold(_ c: Case) throws {
        var params = Self.wordSets
        params["threshold"] = .double(c.threshold)
        let fixture = try DedupeFixture(texts: [Self.base.joined(separator: " "), "unrelated text here",
                                                c.other.joined(separator: " ")], params: params)
        defer { fixture.context.cleanUp() }
        let outcome = try fixture.run()
        #expect(outcome.summary["near_removed"] == .int(c.removed ? 1 : 0))
        #expect(outcome.summary["exact_removed"] == .int(0))
        #expect(fixture.context.outputText(outcome, "records") == fixture.expectedOutput(c.removed ? [0, 1] : [0, 1, 2]))
        #expect(fixture.context.outputText(outcome, "clusters") == (c.removed ? "{\"kept\":0,\"kind\":\"near\",\"removed\":[2]}\n" : ""))
    }

    @Test func clustersFollowChainsAndKeepTheFirstRecord() throws {
        // A–B: 9/11, B–C: 9/11, A–C: 8/12 < 0.8 — C is removed through B; the cluster keeps A, the first in input order.
        let a = words(0..<10), b = words(0..<9) + ["x1"], c = words(0..<8) + ["x1", "x2"]
        let texts = ["zzz"] + [b, a, c].map { $0.joined(separator: " ") }
        let fixture = try DedupeFixture(texts: texts, params: Self.wordSets)
        defer { fixture.context.cleanUp() }
        let outcome = try fixture.run()
        #expect(fixture.context.outputText(outcome, "clusters") == "{\"kept\":1,\"kind\":\"near\",\"removed\":[2,3]}\n")
        #expect(outcome.summary["clusters"] == .int(1))
        #expect(outcome.summary["output"] == .int(2))
    }

    @Test func exactAndNearRemovalsAreReportedSeparately() throws {
        let a = words(0..<10).joined(separator: " "), near = (words(0..<9) + ["x1"]).joined(separator: " ")
        // 0 kept; 1 near dup of 0; 2 exact dup of 1 (so it is grouped under 0 as exact); 3 exact dup of 0.
        let fixture = try DedupeFixture(texts: [a, near, near.uppercased(), a + " "], params: Self.wordSets)
        defer { fixture.context.cleanUp() }
        let outcome = try fixture.run()
        #expect(outcome.summary["exact_removed"] == .int(2))
        #expect(outcome.summary["near_removed"] == .int(1))
        #expect(outcome.summary["clusters"] == .int(1))
        #expect(fixture.context.outputText(outcome, "clusters") == """
            {"kept":0,"kind":"exact","removed":[2,3]}
            {"kept":0,"kind":"near","removed":[1]}

            """)
    }

    @Test func exactOffLeavesIdenticalTextsToNear() throws {
        var params = Self.wordSets
        params["exact"] = .bool(false)
        let fixture = try DedupeFixture(texts: ["p q r s", "P Q R S", "t u v w"], params: params)
        defer { fixture.context.cleanUp() }
        let outcome = try fixture.run()
        #expect(outcome.summary["exact_removed"] == .int(0))
        #expect(outcome.summary["near_removed"] == .int(1))
    }

    @Test func charShinglesMatchAHandCount() {
        // 5-char shingles of "abcdefghij": abcde bcdef cdefg defgh efghi fghij; of "abcdefghik" the last differs:
        // shared 5, union 7.
        let a = Shingles.hashes(of: "abcdefghij", unit: .char, size: 5, seed: 1)
        let b = Shingles.hashes(of: "abcdefghik", unit: .char, size: 5, seed: 1)
        #expect(a.count == 6 && b.count == 6)
        #expect(Shingles.jaccard(a, b) == 5.0 / 7.0)
        // Shorter than a shingle: the whole text is one shingle; empty text has none.
        #expect(Shingles.hashes(of: "abc", unit: .char, size: 5, seed: 1).count == 1)
        #expect(Shingles.hashes(of: "", unit: .char, size: 5, seed: 1).isEmpty)
        // Word 2-shingles of "a b a b": (a b) (b a) (a b) → 2 distinct.
        #expect(Shingles.hashes(of: "a b a b", unit: .word, size: 2, seed: 1).count == 2)
    }

    @Test(arguments: [(0.70, true), (0.75, false)])
    func charShinglesThroughTheKind(threshold: Double, removed: Bool) throws {
        let fixture = try DedupeFixture(texts: ["abcdefghij", "abcdefghik"], params: ["threshold": .double(threshold)])
        defer { fixture.context.cleanUp() }
        let outcome = try fixture.run()
        #expect(outcome.summary["near_removed"] == .int(removed ? 1 : 0))
    }

    @Test func normalizeLowercasesAndCollapsesWhitespace() {
        #expect(Shingles.normalize("  Step 1:\t3 +  4\n= 7. ") == "step 1: 3 + 4 = 7.")
        #expect(Shingles.normalize(" \n ") == "")
    }
}
