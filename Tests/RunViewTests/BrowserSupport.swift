import BrowserDriver
import Foundation
import LemaCore
import LemaTestSupport
import Testing

/// A `lema ui` process and a headless Chromium looking at it, for the browser tests.
struct BrowserPage {
    let session: BrowserSession
    let ui: CLI.Running
    let url: String
    let screenshots: URL

    /// The repository's root (for pipelines/…).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Where screenshots go: `$LEMA_TEST_OUTPUT/ui/<test>/`, else `.build/test-output/ui/<test>/`.
    static func outputFolder(_ test: String) throws -> URL {
        let base = ProcessInfo.processInfo.environment["LEMA_TEST_OUTPUT"].map { URL(fileURLWithPath: $0) }
            ?? repository.appendingPathComponent(".build/test-output")
        let folder = base.appendingPathComponent("ui").appendingPathComponent(test)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Starts `lema ui SPEC --port 0` in `directory`, a browser on its page, waits for the first snapshot, runs
    /// `body`, then closes both.
    static func open(spec: String, in directory: URL, test: String,
                     _ body: (BrowserPage) async throws -> Void) async throws {
        let ui = try CLI.start(["ui", spec, "--port", "0"], in: directory, tag: "ui")
        defer { ui.killGroup() }
        var url: String?
        let deadline = Date().addingTimeInterval(60)
        while url == nil, Date() < deadline, ui.poll() == nil {
            if let line = ui.stdout.split(separator: "\n").first(where: { $0.hasPrefix("lema ui: http://") }) {
                url = String(line.dropFirst("lema ui: ".count))
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let address = try #require(url, "lema ui did not print its address: \(ui.stderr)")
        let driver = try await ChromeDriver.start()
        defer { driver.stop() }
        let session = try await driver.newSession()
        let page = BrowserPage(session: session, ui: ui, url: address, screenshots: try outputFolder(test))
        do {
            try await session.navigate(address)
            try await session.waitFor("the first snapshot", "return !!(window.lemaUI && lemaUI.stats.firstDraw !== null)")
            try await body(page)
            try await page.expectNoConsoleErrors()
        } catch {
            try? await page.screenshot("failure")
            await session.close()
            throw error
        }
        await session.close()
    }

    func screenshot(_ name: String) async throws {
        try await session.screenshot().write(to: screenshots.appendingPathComponent("\(name).png"))
    }

    /// Shows a view and saves its screenshot.
    func show(_ view: String, screenshot name: String? = nil) async throws {
        try await session.execute("showView(arguments[0])", [.string(view)])
        try await Task.sleep(for: .milliseconds(150))
        if let name { try await screenshot(name) }
    }

    func text(_ selector: String) async throws -> String? {
        try await session.execute("const e = document.querySelector(arguments[0]); return e ? e.textContent : null",
                                  [.string(selector)]).stringValue
    }

    func expectNoConsoleErrors() async throws {
        let errors = try await session.consoleLog().filter { $0.level == "SEVERE" }
        #expect(errors.isEmpty, "console errors: \(errors.map(\.message))")
        let scriptErrors = try await session.execute("return lemaUI.stats.errors").arrayValue ?? []
        #expect(scriptErrors.isEmpty, "script errors: \(scriptErrors)")
    }

    /// The graph position of the node of `stage` (the first, in a sweep).
    func position(ofStage stage: String) async throws -> Int {
        try #require(try await session.execute(
            "return lemaUI.graph.nodes.findIndex(n => n.stage === arguments[0])", [.string(stage)]).intValue)
    }
}
