import BrowserDriver
import Foundation
import LemaCore
import LemaTestSupport
import Testing

/// `lema ui` in a real headless Chromium (Debian's chromium + chromium-driver over WebDriver). Skipped, saying
/// why, when they are not installed; `make test` installs them as root. Screenshots of each view are saved under
/// `.build/test-output/ui/<test>/` (or `$LEMA_TEST_OUTPUT/ui/<test>/`).
@Suite(.serialized, .enabled(if: ChromeDriver.unavailableReason == nil,
                             Comment(rawValue: ChromeDriver.unavailableReason ?? "")))
struct RunViewBrowserTests {
    /// One poll of the page while a run goes on.
    private struct Observation {
        var statuses: [String]
        var lossPoints: Int
        var marker: Bool
    }

    private func observe(_ page: BrowserPage) async throws -> Observation {
        let value = try await page.session.execute("""
            return { statuses: lemaUI.nodes.map(n => n.status),
                     loss: [...lemaUI.metrics.values()].filter(m => m.name === 'loss').length,
                     marker: window.__sameDocument === true }
            """)
        return Observation(statuses: value["statuses"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                           lossPoints: value["loss"]?.intValue ?? 0, marker: value["marker"]?.boolValue ?? false)
    }

    @Test func theSmokeRunIsFollowedLiveAndMatchesStatusWhyAndTheReport() async throws {
        try await CLI.withScratchAsync { directory in
            try Data(contentsOf: BrowserPage.repository.appendingPathComponent("pipelines/smoke.yaml"))
                .write(to: directory.appendingPathComponent("smoke.yaml"))
            try await BrowserPage.open(spec: "smoke.yaml", in: directory, test: "smoke") { page in
                try await page.session.execute("window.__sameDocument = true")
                try await page.screenshot("1-graph-before")
                let run = try CLI.start(["run", "smoke.yaml"], in: directory)
                var observations: [Observation] = []
                while run.poll() == nil {
                    observations.append(try await observe(page))
                    try await Task.sleep(for: .milliseconds(30))
                }
                #expect(run.poll() == 0, "lema run failed: \(run.stderr)")
                try await page.session.waitFor("every node done", """
                    return lemaUI.nodes.every(n => n.status === 'succeeded')
                    """)
                observations.append(try await observe(page))
                let last = try #require(observations.last)
                #expect(last.marker, "the page was reloaded")
                #expect(observations.contains { $0.statuses.contains("running") }, "no running state was shown")
                let lossCounts = Set(observations.map(\.lossPoints).filter { $0 > 0 })
                #expect(lossCounts.count >= 2, "the loss curve did not grow while the page was open: \(lossCounts)")
                #expect(last.lossPoints > 0)
                try await page.screenshot("2-graph-after")

                // Node count: `lema status`'s first line.
                let status = try CLI.run(["status", "smoke.yaml"], in: directory)
                let nodes = try #require(status.stdout.split(separator: "\n").first?.split(separator: " ")
                    .dropFirst(2).first.flatMap { Int($0) })
                let counts = try #require(try await page.text("#counts"))
                #expect(counts.hasPrefix("\(nodes) nodes"), "header '\(counts)' vs lema status \(nodes) nodes")

                // The side panel's reason: `lema why`'s text.
                let stage = "train_lema"
                let why = try CLI.run(["why", "smoke.yaml", stage], in: directory).stdout
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let position = try await page.position(ofStage: stage)
                try await page.session.execute("showPanel(arguments[0])", [.int(Int64(position))])
                try await page.session.waitFor("the side panel", "return !!document.querySelector('#panel-why')")
                #expect(try await page.text("#panel-why") == why)
                try await page.screenshot("3-side-panel")

                // pass@1 and its interval: the report's cell.
                try await page.show("sweep")
                try await page.session.waitFor("the sweep table", "return !!document.querySelector('td.pass .value')")
                let shown = try #require(try await page.text("td.pass .value"))
                let report = CLI.read(directory.appendingPathComponent("runs/smoke/report.md"))
                let row = try #require(report.split(separator: "\n").first { $0.hasPrefix("| default") })
                let cell = try #require(row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                    .first { $0.contains("%") && $0.contains("[") })
                #expect(shown == cell)
                try await page.screenshot("4-sweep")
                try await page.show("timeline", screenshot: "5-timeline")
                try await page.show("curves", screenshot: "6-curves")
                try await page.show("items", screenshot: "7-items-logs")
                try await page.show("cost", screenshot: "8-cost-cluster")
            }
        }
    }

    @Test func aKilledRunShowsItsDeadOwnerThenTheResumedRun() async throws {
        try await CLI.withScratchAsync { directory in
            try Data("""
                name: slow
                seed: 1
                stages:
                  nap:
                    kind: command
                    argv: [sleep, "30"]
                  after:
                    kind: noop
                    inputs: [nap]
                """.utf8).write(to: directory.appendingPathComponent("slow.yaml"))
            try await BrowserPage.open(spec: "slow.yaml", in: directory, test: "owner") { page in
                let first = try CLI.start(["run", "slow.yaml"], in: directory)
                try await page.session.waitFor("the live owner", """
                    return document.querySelector('#owner').textContent.includes('pid \(first.pid) ')
                        && document.querySelector('#owner').textContent.includes('alive')
                    """)
                try await page.screenshot("1-alive")
                first.killGroup()
                try await page.session.waitFor("the dead owner", "return document.querySelector('#owner').textContent.includes('dead')")
                #expect(try await page.text("#owner")?.contains("pid \(first.pid)") == true)
                try await page.screenshot("2-dead")
                let second = try CLI.start(["run", "slow.yaml"], in: directory)
                defer { second.killGroup() }
                try await page.session.waitFor("the resumed run", """
                    return document.querySelector('#owner').textContent.includes('pid \(second.pid) ')
                        && lemaUI.nodes.some(n => n.status === 'running')
                    """)
                try await page.screenshot("3-resumed")
            }
        }
    }

    @Test func markupInNamesParametersAndLogLinesIsInert() async throws {
        try await CLI.withScratchAsync { directory in
            try Data("""
                name: markup
                seed: 1
                params:
                  label: a
                sweep:
                  variants:
                    - {name: '<img src=x onerror="window.__pwned=1">', label: '<b id="injected">bold</b>'}
                    - {name: plain, label: b}
                stages:
                  shout:
                    kind: command
                    argv: [sh, -c, 'echo "<img src=x onerror=window.__pwned=2>${params.label}" >&2; exit 3']
                    retries: 1
                """.utf8).write(to: directory.appendingPathComponent("markup.yaml"))
            let run = try CLI.run(["run", "markup.yaml"], in: directory)
            #expect(run.code != 0, "the stage is meant to fail")
            try await BrowserPage.open(spec: "markup.yaml", in: directory, test: "markup") { page in
                try await page.session.waitFor("the failed nodes", "return lemaUI.nodes.every(n => n.status === 'failed')")
                try await page.show("items")
                try await page.session.execute("showPanel(0)")
                try await page.session.waitFor("the side panel", "return !!document.querySelector('#panel-error')")
                try await page.show("sweep")
                try await page.session.waitFor("the sweep table", "return document.querySelectorAll('#sweep-table tr').length === 3")
                try await page.screenshot("1-sweep")
                try await page.show("items", screenshot: "2-items-logs")
                #expect(try await page.text("#panel-error")?.contains("<img src=x onerror=window.__pwned=2>") == true)
                #expect(try await page.text("#log")?.contains("<img src=x onerror=window.__pwned=2>") == true)
                #expect(try await page.text("#sweep-table")?.contains("<b id=\"injected\">bold</b>") == true)
                #expect(try await page.text("#panel-title")?.contains("<img src=x onerror=\"window.__pwned=1\">") == true)
                let injected = try await page.session.execute("""
                    return { pwned: window.__pwned === undefined ? null : window.__pwned,
                             images: document.querySelectorAll('img').length,
                             bold: document.querySelectorAll('#injected').length }
                    """)
                #expect(injected == .object(["pwned": .null, "images": .int(0), "bold": .int(0)]))
            }
        }
    }
}
