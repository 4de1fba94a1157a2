import Foundation
import Testing
@testable import Stages

@Suite struct ReportSVGTests {
    @Test(arguments: [(0.4, 0.5), (0.2, 0.2), (0.21, 0.25), (3.0, 5.0), (7.0, 10.0), (0.03, 0.05)])
    func niceSteps(raw: Double, nice: Double) {
        #expect(abs(SVGAxis.niceStep(raw) - nice) < 1e-12)
    }

    @Test func linearAxisCoversDataWithRoundTicks() {
        let axis = SVGAxis.linear(covering: [0, 0.25, 0.5, 1, 2])
        #expect(axis.labels == ["0.0", "0.5", "1.0", "1.5", "2.0"])
        #expect(axis.lower == 0 && axis.upper == 2)
        #expect(axis.position(1, from: 100, to: 300) == 200)
    }

    @Test func singleValueGetsARangeAroundIt() {
        let axis = SVGAxis.linear(covering: [0.5])
        #expect(axis.lower < 0.5 && axis.upper > 0.5)
        #expect(abs(axis.position(0.5, from: 0, to: 100) - 50) < 1e-9)
    }

    @Test func logAxisUsesDecadesAndFineTicksOverFewDecades() {
        let axis = SVGAxis.log(covering: [0.3, 4.2])
        #expect(axis.lower == 0.2 && axis.upper == 5)
        #expect(axis.labels == ["0.2", "0.5", "1", "2", "5"])
        #expect(abs(axis.position(1, from: 0, to: 100) - 50) < 1e-9)
    }

    @Test func logAxisOverManyDecadesUsesDecadesOnly() {
        let axis = SVGAxis.log(covering: [0.002, 30])
        #expect(axis.labels == ["0.001", "0.01", "0.1", "1", "10", "100"])
    }

    @Test func formattingIsFixedAndEscaped() {
        #expect(SVGFormat.fixed(-0.00001, 1) == "0.0")
        #expect(SVGFormat.fixed(2.25, 2) == "2.25")
        #expect(SVGFormat.fixed(.nan, 1) == "0.0")
        #expect(SVGFormat.escape("a<b & \"c\" 'd'") == "a&lt;b &amp; &quot;c&quot; &#39;d&#39;")
        #expect(SVGFormat.decimals(forStep: 0.25) == 2)
        #expect(SVGFormat.decimals(forStep: 20) == 0)
    }

    @Test func chartDrawsWhatItIsGiven() {
        let series = [
            SVGSeries(name: "a & b", points: [SVGPoint(x: 0, y: 1, low: 0.5, high: 1.5), SVGPoint(x: 1, y: 2)]),
            SVGSeries(name: "single", points: [SVGPoint(x: 0.5, y: 1.5, low: 1, high: 2)]),
        ]
        let chart = SVGLineChart(title: "T", xLabel: "x", yLabel: "y", series: series,
                                 xAxis: .linear(covering: [0, 1]), yAxis: .linear(covering: [0, 2]))
        let svg = chart.render()
        #expect(occurrences(of: "<polyline", in: svg) == 1)  // a one-point series has no line
        #expect(occurrences(of: "class=\"error-bar\"", in: svg) == 2)
        #expect(svg.contains("data-series=\"a &amp; b\""))
        #expect(svg == chart.render())
        #expect(svg.hasSuffix("</svg>\n"))
    }
}
