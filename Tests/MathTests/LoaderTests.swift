import Foundation
import LemaCore
import Testing
@testable import Math

@Suite struct LoaderTests {
    @Test(.enabled(if: SharedData.available, SharedData.skipMessage))
    func realGSM8KLoads() throws {
        let url = try #require(SharedData.gsm8k)
        let result = try ProblemLoader.load(contentsOf: url, format: .lemaEval)
        #expect(result.problems.count == 1319)
        #expect(result.skippedCount == 0)
        let first = result.problems[0]
        #expect(first.id == "gsm8k_test-1")
        #expect(first.question.hasPrefix("Janet’s ducks lay 16 eggs per day."))
        #expect(first.question.hasSuffix("How much in dollars does she make every day at the farmers' market?"))
        #expect(first.answer == 18)
        #expect(first.graph == nil)
        #expect(first.split == .test)
        #expect(first.difficulty == 2)
        for p in result.problems {
            #expect(!p.question.contains("Question:") && !p.question.contains("\nAnswer:"), "\(p.id)")
            #expect(p.answer != 0, "\(p.id)")
        }
    }

    @Test func generatedProblemsExportAndReloadInTheEvalFormat() throws {
        let problems = Array(Fixtures.standard.prefix(200))
        let text = problems.map { $0.lemaEvalLine() }.joined(separator: "\n") + "\n"
        let loaded = try ProblemLoader.load(text: text, fileName: "syn.jsonl", format: .lemaEval).problems
        #expect(loaded.map(\.question) == problems.map(\.question))
        #expect(loaded.map(\.solution) == problems.map(\.solution))
        #expect(loaded.map(\.answer) == problems.map(\.answer))
        #expect(loaded.map(\.difficulty) == problems.map(\.difficulty))
        #expect(problems[0].lemaEvalLine().hasPrefix(#"{"completion":"Step 1: "#))
    }

    @Test func originalGSM8KFormat() throws {
        let text = #"""
            {"question": "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?", "answer": "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72"}
            {"question": "Big money?", "answer": "It is 1,000 + 234 = <<1000+234=1234>>1,234.\n#### 1,234"}
            """#
        let result = try ProblemLoader.load(text: text, fileName: "train.jsonl", format: .gsm8k, options: LoadOptions(split: .train))
        #expect(result.problems.count == 2)
        let p = result.problems[0]
        #expect(p.answer == 72)
        #expect(p.solution == "Natalia sold 48/2 = 24 clips in May.\nNatalia sold 48+24 = 72 clips altogether in April and May.\nThe answer is 72.")
        #expect(p.difficulty == 2)
        #expect(p.split == .train)
        #expect(p.id == "train-1")
        #expect(result.problems[1].answer == 1234)
    }

    @Test func genericJSONLWithFieldNames() throws {
        let text = #"""
            {"uid": 17, "q": "How many?", "a": 12, "sol": "6 * 2 = 12. The answer is 12."}
            {"uid": "x-2", "q": "How much?", "a": "$1,200"}
            {"uid": "x-3", "q": "And now?", "sol": "The answer is 7."}
            """#
        let fields = JSONLFields(question: "q", answer: "a", solution: "sol", id: "uid")
        // With a solution field configured it is required: line 2 lacks it.
        let result = try ProblemLoader.load(text: text, fileName: "mine.jsonl", format: .jsonl(fields),
                                            options: LoadOptions(skipMalformed: true))
        #expect(result.problems.map(\.id) == ["17", "x-3"])
        #expect(result.problems.map(\.answer) == [12, 7])
        #expect(result.skipped.map(\.description) == [#"mine.jsonl:2: missing field "sol""#])
        let noSolution = JSONLFields(question: "q", answer: "a")
        let loose = try ProblemLoader.load(text: text, fileName: "mine.jsonl", format: .jsonl(noSolution),
                                           options: LoadOptions(skipMalformed: true))
        #expect(loose.problems.map(\.answer) == [12, 1200])
        #expect(loose.skipped.map(\.description) == [#"mine.jsonl:3: no answer: field "a" is missing and the solution has no 'The answer is N.'"#])
    }

    static let valid = #"{"prompt": "Question: Q?\nAnswer: Let's think step by step.\n", "completion": "1 + 1 = 2. The answer is 2."}"#

    @Test(arguments: [
        (DatasetFormat.lemaEval, "\(valid)\nnot json", #"data.jsonl:2: not valid JSON: not json"#),
        (.lemaEval, #"{"prompt": "x"}"#, #"data.jsonl:1: missing field "completion""#),
        (.lemaEval, #"{"prompt": 3, "completion": "The answer is 3."}"#, #"data.jsonl:1: field "prompt" must be a string, found a number"#),
        (.lemaEval, #"{"prompt": "x", "completion": "no answer"}"#, #"data.jsonl:1: no answer in "completion" (expected it to end 'The answer is N.')"#),
        (.gsm8k, #"{"question": "q", "answer": "42"}"#, #"data.jsonl:1: field "answer" has no '#### N' final answer"#),
        (.gsm8k, #"{"question": "q", "answer": "x\n#### forty"}"#, #"data.jsonl:1: the answer after '####' is not a number: 'forty'"#),
        (.lemaEval, "[1, 2]", #"data.jsonl:1: expected a JSON object, found an array"#),
        (.jsonl(JSONLFields(question: "q", answer: "a")), #"{"q": "x", "a": true}"#,
         #"data.jsonl:1: field "a" must be a number or a string, found a boolean"#),
        (.lemaEval, "\(valid)\n\(valid)\n{\"prompt\": \n\n", #"data.jsonl:3: not valid JSON: {"prompt": "#),
        (.lemaEval, "\(valid)\n\n\(valid)", "data.jsonl:2: blank line (each line must hold one JSON object)"),
        (.lemaEval, "\(valid)\r\n\(valid)\r\n{}\r\n", #"data.jsonl:3: missing field "prompt""#),
    ])
    func malformedLinesNameFileAndLine(format: DatasetFormat, text: String, message: String) {
        do {
            _ = try ProblemLoader.load(text: text, fileName: "data.jsonl", format: format)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func skippingReportsTheCount() throws {
        let text = "\(Self.valid)\n{\"prompt\": 1}\n\(Self.valid)\nnope\n"
        let result = try ProblemLoader.load(text: text, fileName: "d.jsonl", format: .lemaEval, options: LoadOptions(skipMalformed: true))
        #expect(result.problems.count == 2)
        #expect(result.problems.map(\.id) == ["d-1", "d-3"])
        #expect(result.skippedCount == 2)
        #expect(result.skipped.map(\.line) == [2, 4])
    }

    @Test func unreadableFileIsAnError() {
        let url = URL(fileURLWithPath: "/nonexistent/lema/none.jsonl")
        #expect(throws: DataFileError.self) { try ProblemLoader.load(contentsOf: url, format: .lemaEval) }
        do { _ = try ProblemLoader.load(contentsOf: url, format: .lemaEval) } catch {
            #expect(error.file == url.path)
            #expect(error.line == 0)
            #expect(error.description.hasPrefix("/nonexistent/lema/none.jsonl: cannot read the file as UTF-8 text"))
        }
    }

    @Test(arguments: [
        ("Please solve the following math problem.\nQuestion: A b?\nAnswer: Let's think step by step.\n", "A b?"),
        ("Q: no template", "Q: no template"),
        ("Question: first\nQuestion: second\nAnswer:", "second"),
    ])
    func questionFromPrompt(prompt: String, question: String) {
        #expect(ProblemLoader.questionText(fromPrompt: prompt) == question)
    }

    @Test func calculatorAnnotationsAreRemoved() {
        #expect(ProblemLoader.removingCalculatorAnnotations("a <<1+1=2>>2 b <<3*3=9>>9 c << unclosed") == "a 2 b 9 c << unclosed")
    }
}
