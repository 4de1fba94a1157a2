import Foundation
import Testing
@testable import Math

@Suite struct ScorerTests {
    static func gold(_ answers: [String]) -> String {
        answers.map { #"{"prompt": "Question: q\nAnswer:", "completion": "Some steps. The answer is \#($0)."}"# }
            .joined(separator: "\n") + "\n"
    }

    static func preds(_ samples: [String]) -> String {
        samples.map { #"{"samples": [\#($0)]}"# }.joined(separator: "\n") + "\n"
    }

    @Test func scoresFirstSampleAndCountsNoAnswers() throws {
        let report = try Scorer().score(
            gold: Self.gold(["18", "3", "70,000", "5"]), goldName: "gold.jsonl",
            predictions: Self.preds([#""So 9 * 2 = 18. The answer is $18.", "The answer is 1.""#,
                                     #""The answer is 4.""#, #""I think it is 70000.""#, ""]),
            predictionName: "pred.jsonl")
        #expect(report.total == 4)
        #expect(report.correct == 1)
        #expect(report.noAnswer == 2)
        #expect(report.accuracy == 0.25)
        #expect(report.itemsJSONL == """
            {"correct":true,"gold":18,"line":1,"predicted":18}
            {"correct":false,"gold":3,"line":2,"predicted":4}
            {"correct":false,"gold":70000,"line":3,"predicted":null}
            {"correct":false,"gold":5,"line":4,"predicted":null}

            """)
        #expect(report.summary == "accuracy 25.00% (95% CI 4.56–69.94%), 1/4 correct, 2 without an answer")
    }

    @Test func roundingOption() throws {
        let gold = Self.gold(["0.33"]), preds = Self.preds([#""The answer is 1/3.""#])
        #expect(try Scorer().score(gold: gold, goldName: "g", predictions: preds, predictionName: "p").correct == 0)
        #expect(try Scorer(roundToTwoDecimals: true).score(gold: gold, goldName: "g", predictions: preds, predictionName: "p").correct == 1)
    }

    @Test(arguments: [
        (gold(["1", "2", "3"]), preds([#""The answer is 1.""#, #""The answer is 2.""#]),
         "gold.jsonl:3: gold line with no prediction: gold.jsonl has 3 lines but pred.jsonl has 2 lines"),
        (gold(["1"]), preds([#""The answer is 1.""#, #""x""#]),
         "pred.jsonl:2: prediction with no gold line: gold.jsonl has 1 line but pred.jsonl has 2 lines"),
        (gold(["1", "2"]), #"{"samples": ["The answer is 1."]}"# + "\n" + #"{"samples": "text"}"#,
         #"pred.jsonl:2: field "samples" must be an array of strings, found a string"#),
        (gold(["1"]), #"{"outputs": ["x"]}"#, #"pred.jsonl:1: missing field "samples""#),
        (gold(["1"]), #"{"samples": [3]}"#, "pred.jsonl:1: the first sample must be a string, found a number"),
        (#"{"prompt": "q", "completion": "no answer here"}"#, preds([#""x""#]),
         "gold.jsonl:1: the gold completion states no answer (expected 'The answer is N.')"),
        (gold(["1"]) + "oops\n", preds([#""x""#, #""y""#]), "gold.jsonl:2: not valid JSON: oops"),
        (gold(["1", "2"]), preds([#""The answer is 1.""#]) + "\n" + preds([#""The answer is 2.""#]),
         "pred.jsonl:2: blank line (each line must hold one JSON object)"),
        (gold(["1", "2", "3"]), preds([#""The answer is 1.""#]) + "\n" + preds([#""The answer is 2.""#]),
         "pred.jsonl:2: blank line (each line must hold one JSON object)"),
    ])
    func errorsNameTheLine(gold: String, preds: String, message: String) {
        do {
            _ = try Scorer().score(gold: gold, goldName: "gold.jsonl", predictions: preds, predictionName: "pred.jsonl")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func filesAreReadAndNamedByPath() throws {
        let goldURL = try Fixtures.temporaryFile("gold.jsonl", Self.gold(["7", "8"]))
        let predURL = try Fixtures.temporaryFile("pred.jsonl", Self.preds([#""The answer is 7.""#]))
        defer {
            try? FileManager.default.removeItem(at: goldURL.deletingLastPathComponent())
            try? FileManager.default.removeItem(at: predURL.deletingLastPathComponent())
        }
        do {
            _ = try Scorer().score(goldFile: goldURL, predictionFile: predURL)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "\(goldURL.path):2: gold line with no prediction: \(goldURL.path) has 2 lines but \(predURL.path) has 1 line")
        }
    }

    @Test(.enabled(if: SharedData.available, SharedData.skipMessage))
    func goldCompletionsScorePerfectlyAgainstThemselves() throws {
        let url = try #require(SharedData.gsm8k)
        let text = try String(contentsOf: url, encoding: .utf8)
        var preds = ""
        for line in text.split(whereSeparator: \.isNewline) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let sample = try JSONSerialization.data(withJSONObject: ["samples": [object["completion"] as? String ?? ""]])
            preds += String(decoding: sample, as: UTF8.self) + "\n"
        }
        let report = try Scorer().score(gold: text, goldName: url.path, predictions: preds, predictionName: "self")
        #expect(report.total == 1319)
        #expect(report.correct == 1319)
        #expect(report.interval.upper == 1)
    }

    @Test(arguments: [
        (1, 3, 0.0615, 0.7923), (0, 10, 0.0, 0.2775), (10, 10, 0.7225, 1.0), (50, 100, 0.4038, 0.5962),
    ])
    func wilsonIntervalMatchesTables(successes: Int, total: Int, lower: Double, upper: Double) {
        let w = WilsonInterval(successes: successes, total: total)
        #expect(abs(w.lower - lower) < 5e-4)
        #expect(abs(w.upper - upper) < 5e-4)
    }

    @Test func wilsonWithNoDataIsTheUnitInterval() {
        #expect(WilsonInterval(successes: 0, total: 0) == WilsonInterval(successes: 0, total: 0))
        #expect(WilsonInterval(successes: 0, total: 0).lower == 0)
        #expect(WilsonInterval(successes: 0, total: 0).upper == 1)
    }
}
