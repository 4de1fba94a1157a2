import AsyncHTTPClient
import Foundation
import LemaCore
import NIOCore
import NIOHTTP1
#if canImport(Glibc)
import Glibc
#endif

/// Headless Chromium driven over the WebDriver protocol by plain HTTP calls to `chromedriver` (Debian's
/// `chromium` and `chromium-driver`, same source package, so their versions match). For `lema ui`'s browser tests
/// and its benchmark; never used by `lema` itself.
public final class ChromeDriver: Sendable {
    /// The browser and driver found on this machine, or nil (then browser tests skip, saying so).
    public static func locate() -> (browser: String, driver: String)? {
        let browsers = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        let drivers = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        guard let browser = browsers.first(where: FileManager.default.isExecutableFile(atPath:)),
              let driver = drivers.first(where: FileManager.default.isExecutableFile(atPath:)) else { return nil }
        return (browser, driver)
    }

    /// Why browser tests cannot run here, or nil when they can.
    public static var unavailableReason: String? {
        locate() == nil ? "no chromium/chromedriver (as root: apt-get install chromium chromium-driver)" : nil
    }

    public let browser: String
    public let port: Int
    private let process: Process

    private init(browser: String, port: Int, process: Process) {
        self.browser = browser
        self.port = port
        self.process = process
    }

    /// Starts chromedriver on a free loopback port and waits until it answers `/status`.
    public static func start() async throws -> ChromeDriver {
        guard let (browser, driver) = locate() else { throw WebDriverError(unavailableReason ?? "no browser") }
        let port = try freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: driver)
        process.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let started = ChromeDriver(browser: browser, port: port, process: process)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let status = try? await started.call(.GET, "/status"), status["value"]?["ready"]?.boolValue == true {
                return started
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        started.stop()
        throw WebDriverError("chromedriver did not answer on port \(port) within 20 s")
    }

    /// A new headless browser window of the given size.
    public func newSession(width: Int = 1400, height: Int = 900) async throws -> BrowserSession {
        let capabilities: JSONValue = .object(["capabilities": .object(["alwaysMatch": .object([
            "browserName": .string("chrome"),
            "goog:loggingPrefs": .object(["browser": .string("ALL")]),
            "goog:chromeOptions": .object([
                "binary": .string(browser),
                "args": .array(["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                "--window-size=\(width),\(height)", "--no-first-run", "--disable-extensions"]
                    .map { .string($0) }),
            ]),
        ])])])
        let answer = try await call(.POST, "/session", capabilities)
        guard let id = answer["value"]?["sessionId"]?.stringValue else {
            throw WebDriverError("no session id in \(answer.canonicalText)")
        }
        return BrowserSession(driver: self, id: id)
    }

    /// Ends chromedriver (sessions should be closed first: that ends their browsers). SIGKILL: chromedriver
    /// ignores SIGTERM.
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// One WebDriver call; the answer's JSON. A WebDriver error becomes a `WebDriverError` with its message.
    func call(_ method: HTTPMethod, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.canonicalText))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let answer = try JSONValue.parse(Data(bytes.readableBytesView))
        if response.status.code >= 400 {
            let message = answer["value"]?["message"]?.stringValue ?? answer.canonicalText
            throw WebDriverError("\(method) \(path): \(response.status.code) \(message)")
        }
        return answer
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw WebDriverError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw WebDriverError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// One browser window.
public struct BrowserSession: Sendable {
    let driver: ChromeDriver
    public let id: String

    public func navigate(_ url: String) async throws {
        _ = try await driver.call(.POST, "/session/\(id)/url", .object(["url": .string(url)]))
    }

    /// Runs `script` (a function body; `arguments[i]` are `args`) in the page; its return value.
    @discardableResult
    public func execute(_ script: String, _ args: [JSONValue] = []) async throws -> JSONValue {
        let answer = try await driver.call(.POST, "/session/\(id)/execute/sync",
                                           .object(["script": .string(script), "args": .array(args)]))
        return answer["value"] ?? .null
    }

    /// Polls `condition` (a script returning a boolean) until it holds; throws with `what` after `timeout`.
    public func waitFor(_ what: String, timeout: Double = 30, _ condition: String) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await execute(condition).boolValue == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw WebDriverError("timed out after \(timeout) s waiting for \(what)")
    }

    /// A PNG of the window.
    public func screenshot() async throws -> Data {
        let answer = try await driver.call(.GET, "/session/\(id)/screenshot")
        guard let text = answer["value"]?.stringValue, let data = Data(base64Encoded: text) else {
            throw WebDriverError("screenshot answer is not base64")
        }
        return data
    }

    /// Browser console entries since the last call (level, message).
    public func consoleLog() async throws -> [(level: String, message: String)] {
        let answer = try await driver.call(.POST, "/session/\(id)/se/log", .object(["type": .string("browser")]))
        return (answer["value"]?.arrayValue ?? []).map {
            ($0["level"]?.stringValue ?? "", $0["message"]?.stringValue ?? "")
        }
    }

    /// Closes the window and its browser.
    public func close() async {
        _ = try? await driver.call(.DELETE, "/session/\(id)")
    }
}

/// A WebDriver failure, in words.
public struct WebDriverError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
