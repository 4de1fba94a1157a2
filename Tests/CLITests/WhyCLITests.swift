import Foundation
import LemaTestSupport
import Testing

/// `lema why` and `lema run --dry-run` word a node's reason in one place (Engine's planner): the same text for
/// the same node, whatever changed.
@Suite(.serialized) struct WhyCLITests {
    static let spec = """
        name: why
        seed: 3
        params:
          n: 2
        stages:
          make:
            kind: command
            argv: [sh, -c, 'echo ${params.n} > "{out}/n.txt"']
            outputs: {n: n.txt}
          use:
            kind: command
            inputs: [make]
            argv: [sh, -c, 'cat "$1" > "{out}/copy.txt"', sh, "{input.make.n}"]
            outputs: {copy: copy.txt}
        """

    /// The reason `lema run --dry-run` prints for `stage` ("  run   use: <reason>").
    static func dryRunReason(_ stdout: String, stage: String) -> String? {
        for line in stdout.split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            for verb in ["run ", "skip "] where text.hasPrefix(verb) {
                let rest = text.dropFirst(verb.count).trimmingCharacters(in: .whitespaces)
                if rest.hasPrefix(stage + ":") || rest.hasPrefix(stage + " ") {
                    return rest.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) }
                }
            }
        }
        return nil
    }

    @Test(arguments: [
        ([], "make", "succeeded before (fingerprint unchanged)"),
        (["--set", "n=5"], "make", "params changed: argv[2] echo 2 > \"{out}/n.txt\" → echo 5 > \"{out}/n.txt\" since last run"),
        (["--set", "n=5"], "use", "input make changed"),
        (["--set", "seed=4"], "make", "seed changed: 3 → 4"),
    ] as [([String], String, String)])
    func whyAndDryRunGiveTheSameReason(overrides: [String], stage: String, reason: String) throws {
        try CLI.withScratch { dir in
            try CLI.write(Self.spec, to: dir.appendingPathComponent("why.yaml"))
            let first = try CLI.run(["run", "why.yaml", "--progress", "quiet"], in: dir)
            try #require(first.code == 0, "\(first.stderr)")
            let dry = try CLI.run(["run", "why.yaml", "--dry-run"] + overrides, in: dir)
            #expect(dry.code == 0, "\(dry.stderr)")
            let why = try CLI.run(["why", "why.yaml", stage] + overrides, in: dir)
            #expect(why.code == 0, "\(why.stderr)")
            let planned = Self.dryRunReason(dry.stdout, stage: stage)
            #expect(planned == reason, "dry run: \(dry.stdout)")
            let verdict = why.stdout.split(separator: "\n").first.map(String.init) ?? ""
            #expect(verdict.hasSuffix(": " + reason), "why: \(why.stdout)")
            if reason.hasPrefix("params") || reason.hasPrefix("seed") {
                #expect(why.stdout.contains("compared with the closest earlier run"), "\(why.stdout)")
            }
            if reason.hasPrefix("input") {
                #expect(why.stdout.contains("(run `lema why make` for why make changed)"), "\(why.stdout)")
            }
        }
    }
}
