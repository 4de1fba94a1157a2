import Foundation
import LemaCore
import StageAPI
import Testing
@testable import Stages

@Suite struct DedupeDeterminismTests {
    /// 300 records: 100 base solutions, each followed (later in the file) by an exact copy and an edited copy.
    static func corpus() -> [String] {
        var rng = SeededRNG(seed: 99)
        let vocabulary = (0..<300).map { "t\($0)" }
        let bases = (0..<100).map { _ in (0..<25).map { _ in vocabulary[rng.nextInt(below: vocabulary.count)] } }
        var texts = bases.map { $0.joined(separator: " ") }
        for base in bases {
            texts.append(base.joined(separator: " ").uppercased())
            var edited = base
            edited[rng.nextInt(below: edited.count)] = "edit"
            texts.append(edited.joined(separator: " "))
        }
        return texts
    }

    @Test func threadCountDoesNotChangeBytes() throws {
        let texts = Self.corpus()
        var outputs: [[String]] = []
        for threads in [1, 2, 3] {
            let fixture = try DedupeFixture(texts: texts, threads: threads)
            defer { fixture.context.cleanUp() }
            let outcome = try fixture.run()
            outputs.append([fixture.context.outputText(outcome, "records"), fixture.context.outputText(outcome, "clusters"),
                            outcome.summary.mapValues(\.canonicalText).description])
            #expect(outcome.summary["exact_removed"] == .int(100))
            #expect(outcome.summary["input"] == .int(300))
        }
        #expect(outputs[0] == outputs[1])
        #expect(outputs[0] == outputs[2])
    }

    @Test func repeatedRunsAreByteIdentical() throws {
        let texts = Self.corpus()
        let first = try DedupeFixture(texts: texts, seed: 5), second = try DedupeFixture(texts: texts, seed: 5)
        defer { first.context.cleanUp(); second.context.cleanUp() }
        let a = try first.run(), b = try second.run()
        #expect(first.context.outputText(a, "records") == second.context.outputText(b, "records"))
        #expect(first.context.outputText(a, "clusters") == second.context.outputText(b, "clusters"))
    }

    @Test func cancellationThrowsStageCancelled() throws {
        let fixture = try DedupeFixture(texts: ["a", "b"])
        defer { fixture.context.cleanUp() }
        fixture.context.isCancelled = true
        #expect(throws: StageCancelled.self) { try fixture.run() }
    }
}

@Suite struct DedupeValidationTests {
    @Test(arguments: [
        (["num_perm": JSONValue.int(128), "bands": .int(24)], "bands", "num_perm (128) must be a multiple of bands (24)"),
        (["exact": .bool(false), "near": .bool(false)], "near", "nothing would be removed"),
        (["threshold": .double(1.5)], "threshold", "must be in (0, 1]"),
        (["fields": .array([])], "fields", "list at least one record key"),
        (["shingle_size": .int(-1)], "shingle_size", "must be ≥ 1"),
    ])
    func reportsProblems(params: [String: JSONValue], parameter: String, message: String) {
        let problems = DedupeKind().validate(params)
        #expect(problems.count == 1)
        #expect(problems.first?.parameter == parameter)
        #expect(problems.first?.message.contains(message) == true)
    }

    @Test func defaultsAreValidAndDocumented() {
        let kind = DedupeKind()
        #expect(kind.validate([:]).isEmpty)
        #expect(kind.parameters.allSatisfy { !$0.doc.isEmpty })
        #expect(kind.parameters.filter(\.isRequired).map(\.name) == ["input"])
    }

    @Test func invalidParametersFailTheRunWithTheirName() throws {
        let fixture = try DedupeFixture(texts: ["a"], params: ["bands": .int(7)])
        defer { fixture.context.cleanUp() }
        let error = #expect(throws: StageFailure.self) { try fixture.run() }
        #expect(error?.message.contains("parameter 'bands'") == true)
    }
}

@Suite struct DedupeRecallTests {
    /// Random 12–23-word texts; every tenth record is an earlier record plus one word (Jaccard ≈ 0.9 on char
    /// 5-shingles), so exactly n/10 near duplicates are planted and nothing else is similar. 600 records by
    /// default; LEMA_LONG_TESTS=1 runs 100,000 (release build recommended).
    @Test func plantedNearDuplicatesAreAllFound() throws {
        let n = ProcessInfo.processInfo.environment["LEMA_LONG_TESTS"] == "1" ? 100_000 : 600
        var rng = SeededRNG(seed: 11)
        let vocabulary = (0..<2000).map { "v\($0)" }
        var texts: [[String]] = []
        for i in 0..<n {
            if i % 10 == 9 { texts.append([texts[i - 5][0] + " extra"]); continue }
            let count = 12 + rng.nextInt(below: 12)
            texts.append([(0..<count).map { _ in vocabulary[rng.nextInt(below: vocabulary.count)] }.joined(separator: " ")])
        }
        let result = try #require(Deduplicator.run(texts: texts, options: DedupeOptions(), seed: 3, threads: 2))
        #expect(result.nearRemoved == n / 10)
        #expect(result.exactRemoved == 0)
        #expect(result.clusters.allSatisfy { $0.removed.count == 1 && $0.removed[0] == $0.kept + 5 })
    }
}
