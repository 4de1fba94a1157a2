import Foundation
import LemaTestSupport
import Testing

/// `lema run --dry-run` warns when a train node's finished data would be cut to its context.
@Suite struct TruncationCLITests {
    static func spec(context: Int) -> String {
        """
        name: cut
        stages:
          problems:
            kind: dataset
            count: 40
            train: 0.8
            dev: 0.1
            test: 0.1
          base:
            kind: train
            data: [problems.train]
            tokenizer: char
            context: \(context)
            steps: 1
            layers: 1
            d_model: 16
            heads: 2
        """
    }

    @Test func dryRunWarnsOnceTheDataIsKnown() throws {
        try CLI.withScratch { dir in
            try CLI.write(Self.spec(context: 24), to: dir.appendingPathComponent("cut.yaml"))
            // Before the data exists there is nothing to check.
            let before = try CLI.run(["run", "cut.yaml", "--dry-run"], in: dir)
            #expect(before.code == 0 && !before.stderr.contains("would cut"), "\(before.stderr)")
            let data = try CLI.run(["run", "cut.yaml", "--only", "problems", "--progress", "quiet"], in: dir)
            #expect(data.code == 0, "\(data.stderr)")
            let after = try CLI.run(["run", "cut.yaml", "--dry-run"], in: dir)
            #expect(after.code == 0)
            // Every GSM-style question is longer than 24 characters: all 32 training examples are cut.
            #expect(after.stderr.contains("warning: stage 'base' would cut training examples to its context — cot: 32 of 32 examples (100%) cut"),
                    "\(after.stderr)")
            // A context that holds the data: no warning.
            try CLI.write(Self.spec(context: 1000), to: dir.appendingPathComponent("cut.yaml"))
            let roomy = try CLI.run(["run", "cut.yaml", "--dry-run"], in: dir)
            #expect(roomy.code == 0 && !roomy.stderr.contains("would cut"), "\(roomy.stderr)")
        }
    }
}
