import Foundation
import LemaCore
import StageAPI
import Testing
@testable import Stages

@Suite struct ReportKindTests {
    @Test func tableOfTwoRatiosByTwoModes() throws {
        let (outcome, context) = try runReport(evaluations: sweepInputs(), params: ["title": .string("Ratio sweep")])
        defer { context.cleanUp() }
        let markdown = context.outputText(outcome, "report")
        // Rows: series in first-appearance order (lema first), ratio ascending within a series.
        let expected = """
            # Ratio sweep

            Pass@1 is greedy-decoding accuracy; the interval is the 95% Wilson score interval.

            | variant | ratio | mode | pass@1 (95% CI) | n | no answer | difficulty 1 | difficulty 2 |
            | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |
            | ratio=0.5,mode=lema | 0.5 | lema | 25.0% [18.0, 34.0] | 100 | 10.0% | 50.0% | 0.0% |
            | ratio=1.0,mode=lema | 1 | lema | 50.0% [40.0, 60.0] | 100 | 5.0% | 75.0% | 25.0% |
            | ratio=0.5,mode=corrected-as-cot | 0.5 | corrected-as-cot | 12.5% [7.0, 20.0] | 80 | 0.0% | – | 10.0% |
            | ratio=1.0,mode=corrected-as-cot | 1 | corrected-as-cot | 37.5% [30.0, 45.0] | 80 | 10.0% | 50.0% | 25.0% |

            ![Accuracy vs ratio](accuracy.svg)

            No training runs were gathered, so there is no loss figure.


            """
        #expect(markdown == expected)
        #expect(outcome.summary["rows"] == .int(4))
        #expect(outcome.summary["series"] == .int(2))
        #expect(outcome.artifacts == ["report": "report.md", "accuracy": "accuracy.svg", "index": "index.html",
                                      "results": "results.json"])
        // results.json carries the same table for programs (`lema run` prints it from there).
        let results = try JSONValue.parse(Data(context.outputText(outcome, "results").utf8))
        let table = try #require(ReportResults.markdownTable(results))
        #expect(expected.contains(table + "\n\n"), "\(table)")
        #expect(results["results"]?.arrayValue?.count == 4)
        #expect(results["results"]?.arrayValue?.first?["params"]?["mode"] == .string("lema"))
        #expect(ReportResults.markdownTable(.object(["table": .string("x")])) == nil)
    }

    @Test func accuracyFigureHasOneLinePerSeriesAndOneBarPerPoint() throws {
        let (outcome, context) = try runReport(evaluations: sweepInputs())
        defer { context.cleanUp() }
        let svg = context.outputText(outcome, "accuracy")
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(occurrences(of: "<polyline", in: svg) == 2)
        #expect(occurrences(of: "class=\"error-bar\"", in: svg) == 4)
        #expect(occurrences(of: "<circle", in: svg) == 4)
        #expect(svg.contains("data-series=\"lema\""))
        #expect(svg.contains("data-series=\"corrected-as-cot\""))
        // x axis: ratio from 0.5 to 1.0 in nice steps; y axis in percent from 0.
        #expect(svg.contains(">ratio</text>"))
        #expect(svg.contains(">0.5</text>") && svg.contains(">1.0</text>"))
        #expect(svg.contains(">0</text>") && svg.contains(">60</text>"))
        #expect(!svg.contains("<script") && !svg.contains("href"))
    }

    @Test func htmlEmbedsBothFiguresAndTheTable() throws {
        let (outcome, context) = try runReport(evaluations: sweepInputs(), training: { context in
            [try trainingInput(context, stage: "train_base", losses: [4, 2, 1, 0.5]),
             try trainingInput(context, stage: "train_lema", losses: [3, 1.5, 0.75])]
        })
        defer { context.cleanUp() }
        let html = context.outputText(outcome, "index")
        let accuracy = context.outputText(outcome, "accuracy"), loss = context.outputText(outcome, "loss")
        #expect(!accuracy.isEmpty && !loss.isEmpty)
        #expect(html.contains(accuracy))
        #expect(html.contains(loss))
        #expect(html.contains("<td class=\"num\">25.0% [18.0, 34.0]</td>"))
        #expect(occurrences(of: "<tr>", in: html) == 1 + 4)  // header + one per row
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("<link"))
        #expect(occurrences(of: "<polyline", in: loss) == 2)
        #expect(loss.contains("loss (log scale)"))
        #expect(outcome.summary["loss_curves"] == .int(2))
        #expect(outcome.artifacts["loss"] == "loss.svg")
        #expect(context.outputText(outcome, "report").contains("![Training loss](loss.svg)"))
    }

    @Test func outputIsByteDeterministic() throws {
        var runs: [[String]] = []
        for _ in 0..<2 {
            let (outcome, context) = try runReport(evaluations: sweepInputs(), training: { context in
                [try trainingInput(context, stage: "train", losses: [2.5, 1.25, 0.625])]
            })
            defer { context.cleanUp() }
            runs.append(["report", "accuracy", "loss", "index"].map { context.outputText(outcome, $0) })
        }
        #expect(runs[0] == runs[1])
        #expect(!runs[0].contains(""))
    }

    @Test func singleEvaluationWithoutSweepOrTraining() throws {
        let input = evaluationInput(stage: "eval_test", accuracy: 0.3, low: 0.2, high: 0.4, n: 50, noAnswer: 1, variants: [])
        let (outcome, context) = try runReport(evaluations: [input])
        defer { context.cleanUp() }
        let svg = context.outputText(outcome, "accuracy")
        #expect(occurrences(of: "<polyline", in: svg) == 0)
        #expect(occurrences(of: "class=\"error-bar\"", in: svg) == 1)
        #expect(svg.contains(">eval_test</text>"))  // categorical x label
        #expect(outcome.artifacts["loss"] == nil)
        #expect(context.outputText(outcome, "index").contains("<p>No training runs were gathered, so there is no loss figure.</p>"))
        #expect(context.outputText(outcome, "report").contains("| default | 30.0% [20.0, 40.0] | 50 | 2.0% |"))
    }

    @Test func severalStagesWithoutSweepAreRowsOfAForestPlot() throws {
        let inputs = [("eval_cot", 0.2), ("eval_lema", 0.3), ("eval_same_size", 0.25)].map {
            evaluationInput(stage: $0.0, accuracy: $0.1, low: $0.1 - 0.05, high: $0.1 + 0.05, n: 200, noAnswer: 0,
                            variants: [("default", [:])])
        }
        let (outcome, context) = try runReport(evaluations: inputs)
        defer { context.cleanUp() }
        let svg = context.outputText(outcome, "accuracy")
        #expect(occurrences(of: "class=\"error-bar\"", in: svg) == 3)
        #expect(occurrences(of: "<polyline", in: svg) == 0)
        for name in ["eval_cot", "eval_lema", "eval_same_size"] { #expect(svg.contains(">\(name)</text>")) }
        #expect(context.outputText(outcome, "report").contains("| stage | variant | pass@1 (95% CI) | n | no answer |"))
    }

    @Test func nodeSharedByTwoVariantsAppearsOnBothLines() throws {
        // ratio 0 makes both modes the same node: one input, two variants.
        let shared = evaluationInput(accuracy: 0.2, low: 0.1, high: 0.3, n: 10, noAnswer: 0, variants: [
            ("ratio=0,mode=lema", ["ratio": .int(0), "mode": .string("lema")]),
            ("ratio=0,mode=corrected-as-cot", ["ratio": .int(0), "mode": .string("corrected-as-cot")]),
        ])
        let (outcome, context) = try runReport(evaluations: [shared] + sweepInputs())
        defer { context.cleanUp() }
        #expect(outcome.summary["rows"] == .int(6))
        let svg = context.outputText(outcome, "accuracy")
        #expect(occurrences(of: "class=\"error-bar\"", in: svg) == 6)
        #expect(occurrences(of: "<polyline", in: svg) == 2)
        // The table shows the shared node once, with the parameters its variants agree on.
        let markdown = context.outputText(outcome, "report")
        #expect(occurrences(of: "| 20.0% [10.0, 30.0] |", in: markdown) == 1)
        #expect(markdown.contains("| ratio=0,mode=lema, ratio=0,mode=corrected-as-cot | 0 | – | 20.0% [10.0, 30.0] |"),
                "\(markdown)")
        #expect(occurrences(of: "<tr>", in: context.outputText(outcome, "index")) == 1 + 5)
    }

    /// Without a numeric x the figure is a forest plot: one labelled row per node (the shared one once, as the
    /// dashed reference line), and the canvas grows with the rows so labels never overlap.
    @Test func forestPlotHasOneRowPerNodeAndMarksTheSharedNode() throws {
        let modes = ["cot-only", "lema", "cot-same-size"]
        let base = evaluationInput(stage: "base_eval", accuracy: 0.378, low: 0.331, high: 0.426, n: 400, noAnswer: 2,
                                   variants: modes.map { ("mode=\($0)", ["mode": .string($0)]) })
        let tuned = modes.enumerated().map { k, mode in
            evaluationInput(accuracy: 0.4 + 0.01 * Double(k), low: 0.35, high: 0.45, n: 400, noAnswer: 0,
                            variants: [("mode=\(mode)", ["mode": .string(mode)])])
        }
        let (outcome, context) = try runReport(evaluations: [base] + tuned)
        defer { context.cleanUp() }
        let svg = context.outputText(outcome, "accuracy")
        #expect(occurrences(of: "<g class=\"row\"", in: svg) == 4)
        #expect(occurrences(of: "class=\"error-bar\"", in: svg) == 4)
        #expect(occurrences(of: "class=\"reference\"", in: svg) == 1)
        #expect(svg.contains("data-label=\"base_eval [all variants]\""))
        #expect(svg.contains(">evaluate [mode=lema]</text>"))

        let many = (0..<40).map { k in
            evaluationInput(stage: "eval_\(k)", accuracy: 0.5, low: 0.4, high: 0.6, n: 10, noAnswer: 0,
                            variants: [("default", [:])])
        }
        let plot = try #require({ () -> SVGForestPlot? in
            if case .forest(let p) = ReportCharts.accuracy(ReportTable.build(many, x: "ratio", series: "mode"),
                                                            title: "t").figure { return p }
            return nil
        }())
        #expect(plot.rows.count == 40 && plot.reference == nil)
        #expect(plot.height >= 40 * 26)
    }

    /// The base model's evaluation in a sweep belongs to every variant: one row, "all variants".
    @Test func nodeOfEveryVariantIsOneRowNamedAllVariants() throws {
        let names = sweepInputs().compactMap { $0.summary["_variants"]?.arrayValue?.first?["name"]?.stringValue }
        let base = evaluationInput(stage: "base_eval", accuracy: 0.3, low: 0.2, high: 0.4, n: 100, noAnswer: 1,
                                   variants: names.map { ($0, [:]) })
        let (outcome, context) = try runReport(evaluations: [base] + sweepInputs())
        defer { context.cleanUp() }
        let markdown = context.outputText(outcome, "report")
        #expect(occurrences(of: "| base_eval |", in: markdown) == 1, "\(markdown)")
        #expect(markdown.contains("| base_eval | all variants | – | – | 30.0% [20.0, 40.0] |"), "\(markdown)")
    }

    @Test func missingAccuracyAndMissingLossAreNotedNotFatal() throws {
        let broken = evaluationInput(stage: "eval_x", accuracy: nil, low: 0, high: 0, n: 0, noAnswer: 0, variants: [])
        let (outcome, context) = try runReport(evaluations: sweepInputs() + [broken], training: { _ in
            [.fake(stage: "train_x", artifacts: ["model": URL(fileURLWithPath: "/nonexistent")])]
        })
        defer { context.cleanUp() }
        let markdown = context.outputText(outcome, "report")
        #expect(markdown.contains("- eval_x: no accuracy in its summary."))
        #expect(markdown.contains("- train_x: no `loss` artifact, so no loss curve."))
        #expect(markdown.contains("None of the gathered training runs has loss points, so there is no loss figure."))
        #expect(outcome.artifacts["loss"] == nil)
    }

    @Test func validationRejectsEmptyOrEqualAxes() {
        #expect(ReportKind().validate([:]).isEmpty)
        #expect(ReportKind().validate(["x": .string("mode")]).map(\.parameter) == ["series"])
        #expect(ReportKind().validate(["x": .string("")]).map(\.parameter) == ["x"])
        #expect(ReportKind().parameters.filter(\.isRequired).map(\.name) == ["evaluations"])
    }

    @Test func rowsWithoutNumericXAreListedButNotPlotted() throws {
        let baseline = evaluationInput(stage: "eval_base", accuracy: 0.1, low: 0.05, high: 0.15, n: 100, noAnswer: 0,
                                       variants: [("default", [:])])
        let (outcome, context) = try runReport(evaluations: sweepInputs() + [baseline])
        defer { context.cleanUp() }
        let svg = context.outputText(outcome, "accuracy")
        #expect(occurrences(of: "class=\"error-bar\"", in: svg) == 4)
        let markdown = context.outputText(outcome, "report")
        #expect(markdown.contains("| eval_base | default | – | – | 10.0% [5.0, 15.0] | 100 | 0.0% | – | – |"))
        #expect(markdown.contains("- eval_base: no numeric 'ratio', not plotted."))
    }

    @Test func summaryListsResultsAndRerunDropsStaleLossFigure() throws {
        let context = try FakeStageContext(stageName: "report")
        defer { context.cleanUp() }
        context.setInputs("evaluations", [sweepInputs()[0]])
        context.setInputs("training", [try trainingInput(context, stage: "train", losses: [1, 0.5])])
        let first = try ReportKind().run(context)
        #expect(FileManager.default.fileExists(atPath: context.outputDirectory.appendingPathComponent("loss.svg").path))
        #expect(first.summary["results"] == .array([.object([
            "stage": .string("evaluate"), "variant": .string("ratio=1.0,mode=lema"), "accuracy": .double(0.5),
            "ci_low": .double(0.4), "ci_high": .double(0.6), "n": .int(100), "no_answer": .int(5),
            "params": .object(["ratio": .double(1), "mode": .string("lema")]),
        ])]))
        context.setInputs("training", [])
        let second = try ReportKind().run(context)
        #expect(second.artifacts["loss"] == nil)
        #expect(!FileManager.default.fileExists(atPath: context.outputDirectory.appendingPathComponent("loss.svg").path))
    }

    @Test func missingIntervalIsRecomputedAsWilson() throws {
        // 5 of 10: the Wilson 95% interval is [0.2366, 0.7634] (textbook value).
        let (low, high) = ReportTable.wilsonInterval(successes: 5, n: 10)
        #expect(abs(low - 0.2366) < 1e-4 && abs(high - 0.7634) < 1e-4)
        let input = InputArtifact.fake(stage: "eval", artifacts: [:], summary: ["accuracy": .double(0.5), "n": .int(10)])
        let (outcome, context) = try runReport(evaluations: [input])
        defer { context.cleanUp() }
        #expect(context.outputText(outcome, "report").contains("| default | 50.0% [23.7, 76.3] | 10 | – |"))
    }
}

@Suite struct ReportColumnTests {
    /// Parameters equal in every row (an endpoint URL, a data path) get no column; x, series and what varies do.
    @Test func onlyVaryingParametersBesidesXAndSeriesGetColumns() {
        func input(_ mode: String, _ seed: Int64) -> InputArtifact {
            evaluationInput(accuracy: 0.5, low: 0.4, high: 0.6, n: 10, noAnswer: 0, variants: [(
                "mode=\(mode),seed=\(seed)",
                ["mode": .string(mode), "seed": .int(seed), "ratio": .double(1),
                 "url": .string("http://127.0.0.1:8000/v1"), "train_file": .string("data/train.jsonl")]
            )])
        }
        let table = ReportTable.build([input("lema", 1), input("cot-only", 2)], x: "ratio", series: "mode")
        #expect(table.paramColumns == ["ratio", "mode", "seed"])
        let single = ReportTable.build([input("lema", 1)], x: "ratio", series: "mode")
        #expect(single.paramColumns == ["ratio", "mode"])
    }
}
