import Foundation
import LemaCore
import Math
import StageAPI
import Testing
@testable import Stages

@Suite("dataset stage")
struct LeMaDatasetTests {
    @Test func syntheticSplitsCountAndDisjointness() throws {
        let (context, outcome) = try LeMaFixture.dataset(LeMaFixture.datasetParams(count: 50))
        defer { context.cleanUp() }
        var ids: [String: Set<String>] = [:]
        for split in ["train", "pool", "dev", "test"] {
            let problems = try LeMaFixture.problems(context, outcome, split)
            ids[split] = Set(problems.map(\.id))
            #expect(ids[split]?.count == problems.count, "duplicate ids in \(split)")
            #expect(outcome.summary[split]?.intValue == problems.count)
            if split != "pool" { #expect(problems.allSatisfy { $0.split.rawValue == split }) }
        }
        #expect(ids.values.reduce(0) { $0 + $1.count } == 50)
        #expect(ids["pool"]?.isEmpty == true)
        #expect((ids["train"]?.count ?? 0) > (ids["dev"]?.count ?? 0))
        for (a, b) in [("train", "dev"), ("train", "test"), ("dev", "test")] {
            #expect(ids[a]?.isDisjoint(with: ids[b] ?? []) == true, "\(a) and \(b) overlap")
        }
        // Every difficulty histogram entry counts problems of that many steps.
        let all = try ["train", "dev", "test"].flatMap { try LeMaFixture.problems(context, outcome, $0) }
        for (difficulty, count) in outcome.summary["difficulty"]?.objectValue ?? [:] {
            #expect(all.filter { String($0.difficulty) == difficulty }.count == count.intValue)
        }
    }

    @Test func poolIsCarvedFromTrainDeterministically() throws {
        let (plain, plainOutcome) = try LeMaFixture.dataset(LeMaFixture.datasetParams(count: 60))
        let (first, firstOutcome) = try LeMaFixture.dataset(LeMaFixture.datasetParams(count: 60, pool: 0.25))
        let (second, secondOutcome) = try LeMaFixture.dataset(LeMaFixture.datasetParams(count: 60, pool: 0.25))
        defer { [plain, first, second].forEach { $0.cleanUp() } }

        let fullTrain = try LeMaFixture.problems(plain, plainOutcome, "train").map(\.id)
        let train = try LeMaFixture.problems(first, firstOutcome, "train").map(\.id)
        let pool = try LeMaFixture.problems(first, firstOutcome, "pool").map(\.id)
        #expect(pool.count == Int((Double(fullTrain.count) * 0.25).rounded()))
        #expect(Set(train).isDisjoint(with: pool))
        #expect(Set(train).union(pool) == Set(fullTrain))
        // Both keep the generator's order.
        #expect(train == fullTrain.filter { !pool.contains($0) })
        #expect(pool == fullTrain.filter { pool.contains($0) })
        for split in ["train", "pool", "dev", "test"] {
            #expect(try LeMaFixture.bytes(first.output(firstOutcome, split))
                    == LeMaFixture.bytes(second.output(secondOutcome, split)), "\(split) differs between runs")
        }
        #expect(try LeMaFixture.bytes(first.output(firstOutcome, "dev"))
                == LeMaFixture.bytes(plain.output(plainOutcome, "dev")))
    }

    @Test func generatorSettingsReachTheGenerator() throws {
        var params = LeMaFixture.datasetParams(count: 30)
        params["operations"] = .array([.string("+"), .string("-")])
        params["step_weights"] = .array([.double(0), .double(1)])
        let (context, outcome) = try LeMaFixture.dataset(params)
        defer { context.cleanUp() }
        let all = try ["train", "dev", "test"].flatMap { try LeMaFixture.problems(context, outcome, $0) }
        #expect(all.count == 30)
        #expect(all.allSatisfy { $0.difficulty == 2 })
        let ops = Set(all.flatMap { $0.graph?.operations.map(\.op) ?? [] })
        #expect(ops.isSubset(of: [.add, .subtract]) && ops.contains(.add))
        #expect(outcome.summary["difficulty"]?.objectValue?.keys.sorted() == ["2"])
    }

    @Test func fileSourceReadsLeMaFormat() throws {
        let context = try FakeStageContext(stageName: "data")
        defer { context.cleanUp() }
        let prompt = { (q: String) in
            "Please solve the following math problem.\\nQuestion: \(q)\\nAnswer: Let's think step by step.\\n"
        }
        let text = """
            {"prompt": "\(prompt("Ann has 3 pens and buys 4 more. How many pens?"))", "completion": "Step 1: 3 + 4 = 7. The answer is 7."}
            {"prompt": "\(prompt("Bo has 10 apples and eats 2. How many are left?"))", "completion": "Step 1: 10 - 2 = 8. The answer is 8."}
            {"prompt": "\(prompt("A box holds 6 eggs. How many eggs in 3 boxes?"))", "completion": "Step 1: 6 * 3 = 18. The answer is 18."}

            """
        let url = try context.writeFile("tiny.jsonl", text)
        context.params = ["source": .string("file"), "path": .string(url.path), "split": .string("dev")]
        let outcome = try DatasetKind().run(context)
        let dev = try LeMaFixture.problems(context, outcome, "dev")
        #expect(dev.map(\.answer) == [7, 8, 18])
        #expect(dev.map(\.question) == ["Ann has 3 pens and buys 4 more. How many pens?",
                                        "Bo has 10 apples and eats 2. How many are left?",
                                        "A box holds 6 eggs. How many eggs in 3 boxes?"])
        #expect(dev.allSatisfy { $0.split == .dev })
        #expect(Set(dev.map(\.id)).count == 3)
        #expect(outcome.summary["dev"]?.intValue == 3)
        #expect(outcome.summary["train"]?.intValue == 0)
        #expect(outcome.summary["test"]?.intValue == 0)
        #expect(outcome.summary["skipped_lines"]?.intValue == 0)

        context.params["limit"] = .int(2)
        let limited = try DatasetKind().run(context)
        #expect(try LeMaFixture.problems(context, limited, "dev").map(\.answer) == [7, 8])
    }

    @Test func fileSourceRelativePathAndSkippedLines() throws {
        let context = try FakeStageContext(stageName: "data")
        defer { context.cleanUp() }
        let good = #"{"prompt": "Question: How many is 2 and 2?\nAnswer:", "completion": "Step 1: 2 + 2 = 4. The answer is 4."}"#
        try Data((good + "\n{not json\n" + good + "\n").utf8)
            .write(to: context.specDirectory.appendingPathComponent("rel.jsonl"))
        context.params = ["source": .string("file"), "path": .string("rel.jsonl")]
        expectStageFailure(["rel.jsonl", "2"]) { _ = try DatasetKind().run(context) }

        context.params["skip_malformed"] = .bool(true)
        let outcome = try DatasetKind().run(context)
        #expect(outcome.summary["test"]?.intValue == 2)
        #expect(outcome.summary["skipped_lines"]?.intValue == 1)
        #expect(context.logs.contains { $0.contains("rel.jsonl") })
    }

    @Test func fileSourceWithNamedFields() throws {
        let context = try FakeStageContext(stageName: "data")
        defer { context.cleanUp() }
        let url = try context.writeFile("custom.jsonl", """
            {"key": "a1", "q": "What is 2 + 3?", "sol": "Step 1: 2 + 3 = 5. The answer is 5.", "a": 5}
            {"key": "a2", "q": "What is 4 * 3?", "sol": "Step 1: 4 * 3 = 12. The answer is 12.", "a": "12"}

            """)
        context.params = ["source": .string("file"), "path": .string(url.path), "format": .string("jsonl"),
                          "split": .string("train"),
                          "fields": .object(["question": .string("q"), "answer": .string("a"),
                                             "solution": .string("sol"), "id": .string("key")])]
        let outcome = try DatasetKind().run(context)
        let train = try LeMaFixture.problems(context, outcome, "train")
        #expect(train.map(\.id) == ["a1", "a2"])
        #expect(train.map(\.answer) == [5, 12])
        #expect(train.map(\.question) == ["What is 2 + 3?", "What is 4 * 3?"])
        #expect(train.first?.solution == "Step 1: 2 + 3 = 5. The answer is 5.")
    }

    @Test func fileSourceOnSharedGSM8KTestFile() throws {
        let path = "/work/shared/data/gsm8k_test.jsonl"
        guard FileManager.default.fileExists(atPath: path) else {
            print("skipping: \(path) is absent")
            return
        }
        let context = try FakeStageContext(stageName: "gsm8k",
                                           params: ["source": .string("file"), "path": .string(path),
                                                    "limit": .int(5)])
        defer { context.cleanUp() }
        let outcome = try DatasetKind().run(context)
        let test = try LeMaFixture.problems(context, outcome, "test")
        #expect(test.count == 5)
        #expect(test.first?.answer == 18)  // Janet's ducks
        #expect(test.allSatisfy { !$0.question.hasPrefix("Please solve") && $0.graph == nil })
    }

    @Test func missingFileIsAStageFailure() throws {
        let context = try FakeStageContext(stageName: "data",
                                           params: ["source": .string("file"), "path": .string("nope.jsonl")])
        defer { context.cleanUp() }
        expectStageFailure(["data", "nope.jsonl"]) { _ = try DatasetKind().run(context) }
    }

    @Test(arguments: [
        (["source": JSONValue.string("file")], "path"),
        (["operand_min": .int(30), "operand_max": .int(10)], "operand_min"),
        (["pool": .double(1.0)], "pool"),
        (["max_steps": .int(9)], "count"),
    ] as [([String: JSONValue], String)])
    func validationNamesTheParameter(params: [String: JSONValue], parameter: String) {
        let problems = DatasetKind().validate(params)
        #expect(problems.map(\.parameter).contains(parameter), "\(problems)")
    }

    @Test func validDefaultsPassValidation() {
        #expect(DatasetKind().validate([:]).isEmpty)
        #expect(DatasetKind().validate(["source": .string("file"), "path": .string("x.jsonl")]).isEmpty)
    }

    @Test func badOperandRangeFailsTheRunWithTheFix() throws {
        let context = try FakeStageContext(stageName: "data", params: ["operand_min": .int(30), "operand_max": .int(10)])
        defer { context.cleanUp() }
        expectStageFailure(["data", "operand_min (30)", "operand_max (10)"]) { _ = try DatasetKind().run(context) }
    }
}
