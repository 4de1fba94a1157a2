import Foundation
import LemaCore
import StageAPI
import Testing
@testable import Stages

@Suite struct DedupeExactTests {
    @Test func removesNormalizedExactDuplicatesAndKeepsFirstBytes() throws {
        // Normalized: "a b", "a b", "c", "a b", "d", "c"
        let fixture = try DedupeFixture(texts: ["A b", "a  B", "c", "\tA\nb ", "d", "C"])
        defer { fixture.context.cleanUp() }
        let outcome = try fixture.run()

        #expect(outcome.summary["input"] == .int(6))
        #expect(outcome.summary["exact_removed"] == .int(3))
        #expect(outcome.summary["near_removed"] == .int(0))
        #expect(outcome.summary["clusters"] == .int(2))
        #expect(outcome.summary["output"] == .int(3))
        #expect(fixture.context.outputText(outcome, "records") == fixture.expectedOutput([0, 2, 4]))
        #expect(fixture.context.outputText(outcome, "clusters") == """
            {"kept":0,"kind":"exact","removed":[1,3]}
            {"kept":2,"kind":"exact","removed":[5]}

            """)
    }

    @Test func punctuationAndDigitsStaySignificant() throws {
        let fixture = try DedupeFixture(texts: ["x = 3.5", "x = 35", "x = 3.5."], params: ["near": .bool(false)])
        defer { fixture.context.cleanUp() }
        let outcome = try fixture.run()
        #expect(outcome.summary["output"] == .int(3))
    }

    @Test func multipleFieldsAreComparedTogether() throws {
        let context = try FakeStageContext(stageName: "dedupe", params: ["fields": .array([.string("q"), .string("a")])])
        defer { context.cleanUp() }
        let jsonl = """
            {"q":"a b","a":"c"}
            {"q":"a","a":"b c"}
            {"q":"A B","a":" c"}
            {"q":"a b","a":null}
            {"q":"a b"}

            """
        context.setInputs("input", [.fake(stage: "up", artifacts: ["records": try context.writeFile("r.jsonl", jsonl)])])
        let outcome = try DedupeKind().run(context)
        // Record 2 equals record 0 field by field; 4 equals 3 (null and missing both count as empty text).
        #expect(context.outputText(outcome, "clusters") == """
            {"kept":0,"kind":"exact","removed":[2]}
            {"kept":3,"kind":"exact","removed":[4]}

            """)
    }

    @Test func exposesTheInputArtifactNameAsAnAlias() throws {
        let fixture = try DedupeFixture(texts: ["one", "two"], selected: "corrections")
        defer { fixture.context.cleanUp() }
        let outcome = try fixture.run()
        #expect(outcome.artifacts == ["records": "records.jsonl", "clusters": "clusters.jsonl",
                                      "corrections": "records.jsonl"])
    }

    @Test func emptyInputGivesEmptyOutputs() throws {
        let fixture = try DedupeFixture(texts: [])
        defer { fixture.context.cleanUp() }
        let outcome = try fixture.run()
        #expect(outcome.summary["input"] == .int(0))
        #expect(outcome.summary["output"] == .int(0))
        #expect(fixture.context.outputText(outcome, "records") == "")
    }

    @Test func fieldMissingEverywhereIsAnError() throws {
        let fixture = try DedupeFixture(texts: ["a", "b"], params: ["fields": .array([.string("corected")])])
        defer { fixture.context.cleanUp() }
        let error = #expect(throws: StageFailure.self) { try fixture.run() }
        #expect(error?.message.contains("field 'corected' occurs in none of the 2 records") == true)
        #expect(error?.message.contains("the first record has: corrected, id") == true)
        #expect(error?.retryable == false)
    }

    @Test func invalidLineIsNamedWithItsLineNumber() throws {
        let context = try FakeStageContext(stageName: "dedupe")
        defer { context.cleanUp() }
        let file = try context.writeFile("bad.jsonl", "{\"corrected\":\"a\"}\n\n[1,2]\n")
        context.setInputs("input", [.fake(stage: "up", artifacts: ["records": file])])
        let error = #expect(throws: StageFailure.self) { try DedupeKind().run(context) }
        #expect(error?.message.contains("bad.jsonl:3: expected a JSON object") == true)
    }
}
