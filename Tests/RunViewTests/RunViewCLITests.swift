import Foundation
import LemaTestSupport
import Testing

/// `lema ui`'s bad input: each a clear message and a non-zero exit, nothing served.
@Suite struct RunViewCLITests {
    @Test(arguments: [
        (["ui", "uitest.yaml", "--port", "70000"], "--port must be in 0...65535"),
        (["ui", "missing.yaml"], "no spec file at 'missing.yaml'"),
    ])
    func badInputIsRefusedWithAMessage(_ args: [String], _ message: String) throws {
        try CLI.withScratch { directory in
            try CLI.write(RunViewFixture.spec, to: directory.appendingPathComponent("uitest.yaml"))
            let result = try CLI.run(args, in: directory)
            #expect(result.code != 0)
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
    }

    @Test func aTakenPortIsNamedWithAFix() async throws {
        try await CLI.withScratchAsync { directory in
            try CLI.write(RunViewFixture.spec, to: directory.appendingPathComponent("uitest.yaml"))
            let first = try CLI.start(["ui", "uitest.yaml", "--port", "0"], in: directory, tag: "ui")
            defer { first.killGroup() }
            var port: String?
            let deadline = Date().addingTimeInterval(30)
            while port == nil, Date() < deadline, first.poll() == nil {
                port = first.stdout.split(separator: "\n").first { $0.hasPrefix("lema ui: http://") }?
                    .split(separator: ":").last?.filter(\.isNumber)
                try await Task.sleep(for: .milliseconds(20))
            }
            let taken = try #require(port, "lema ui did not start: \(first.stderr)")
            let second = try CLI.run(["ui", "uitest.yaml", "--port", taken], in: directory)
            #expect(second.code != 0)
            #expect(second.stderr.contains("cannot listen on 127.0.0.1:\(taken)"), "\(second.stderr)")
            #expect(second.stderr.contains("--port 0"), "\(second.stderr)")
        }
    }
}
