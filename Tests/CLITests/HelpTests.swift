import Foundation
import LemaTestSupport
import Testing

/// `--help` prints ArgumentParser's help and exits 0 (it is not an error for the funnel).
@Suite struct HelpTests {
    @Test(arguments: [[], ["run"], ["serve"], ["status"], ["ui"]])
    func helpPrintsUsageAndExitsZero(_ subcommand: [String]) throws {
        try CLI.withScratch { dir in
            let result = try CLI.run(subcommand + ["--help"], in: dir)
            #expect(result.code == 0, "\(result.stderr)")
            #expect(result.stdout.contains("USAGE: lema" + subcommand.map { " " + $0 }.joined()), "\(result.stdout)")
            #expect(!result.stderr.contains("error"))
        }
    }
}
