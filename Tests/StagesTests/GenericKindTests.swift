import Foundation
import LemaCore
import StageAPI
import Testing
@testable import Stages

/// The generic kinds (`command`, `map`, `noop`) and their argv templating, on a `FakeStageContext`.
@Suite struct GenericKindTests {
    // MARK: argv templates

    struct TemplateCase: Sendable, CustomStringConvertible {
        var argv: [String]
        var expected: [String]
        var description: String { argv.joined(separator: " ") }
    }

    static let templateCases: [TemplateCase] = [
        TemplateCase(argv: ["tool", "{out}/x.txt"], expected: ["tool", "/o/x.txt"]),
        TemplateCase(argv: ["cat", "{inputs}"], expected: ["cat", "/a.txt", "/b.txt"]),
        TemplateCase(argv: ["echo", "files: {inputs}"], expected: ["echo", "files: /a.txt /b.txt"]),
        TemplateCase(argv: ["echo", "{{literal}} {seed}"], expected: ["echo", "{literal} 7"]),
        TemplateCase(argv: ["x", "--data={input.prep}"], expected: ["x", "--data=/a.txt"]),
        TemplateCase(argv: ["x", "{input.prep.log}"], expected: ["x", "/log.txt"]),
        TemplateCase(argv: ["x", "a}}b"], expected: ["x", "a}b"]),
        // Shell code keeps its braces: `${VAR}`, groups, unclosed or non-identifier contents.
        TemplateCase(argv: ["sh", "-c", "echo ${HOME} {out}"], expected: ["sh", "-c", "echo ${HOME} /o"]),
        TemplateCase(argv: ["sh", "-c", "[ -f x ] || { echo no; exit 1; }"], expected: ["sh", "-c", "[ -f x ] || { echo no; exit 1; }"]),
        TemplateCase(argv: ["x", "{out"], expected: ["x", "{out"]),
    ]

    static func values(_ name: String) -> [String]? {
        switch name {
        case "out": ["/o"]
        case "seed": ["7"]
        case "inputs": ["/a.txt", "/b.txt"]
        case "input.prep": ["/a.txt"]
        case "input.prep.log": ["/log.txt"]
        default: nil
        }
    }

    @Test(arguments: templateCases)
    func expandsPlaceholders(_ c: TemplateCase) throws {
        #expect(try ArgvTemplate.expand(c.argv, values: Self.values) == c.expected)
    }

    @Test(arguments: [
        (["x", "{nope}"], "unknown placeholder '{nope}' in argv"),
        (["x", "--in={input.prep.data.extra}"], "unknown placeholder '{input.prep.data.extra}' in argv"),
    ])
    func rejectsUnknownPlaceholders(_ argv: [String], message: String) {
        #expect(throws: StageFailure.self) { try ArgvTemplate.expand(argv, values: Self.values) }
        do { _ = try ArgvTemplate.expand(argv, values: Self.values) } catch {
            #expect("\(error)".hasPrefix(message), "\(error)")
        }
    }

    @Test func validationNamesUnknownPlaceholdersAndBadOutputs() {
        let problems = CommandKind().validate([
            "argv": .array([.string("run"), .string("{outt}")]),
            "outputs": .object(["model": .string("../escape.bin"), "stdout": .string("x"), "nul": .string("a\u{0}/../b"),
                                "long": .string("d/" + String(repeating: "n", count: 256))]),
        ])
        let messages = problems.map { "\($0.parameter): \($0.message)" }.sorted()
        #expect(messages == [
            "argv: unknown placeholder '{outt}' (known: {inputs}, {out}, {seed}, {input.STAGE}, {input.STAGE.ARTIFACT}; write '{{' for a literal brace)",
            "outputs: 'stdout' is reserved (standard output/error are always captured as artifacts)",
            "outputs: output 'long' must be a path without control characters and with names of at most 255 bytes",
            "outputs: output 'model' must be a path inside the node's directory (relative, no '..'), got '../escape.bin'",
            "outputs: output 'nul' must be a path inside the node's directory (relative, no '..'), got 'a\u{0}/../b'",
            "outputs: output 'nul' must be a path without control characters and with names of at most 255 bytes",
        ])
        #expect(MapKind().validate(["argv": .array([.string("echo"), .string("{item}"), .string("{index}")])]).isEmpty)
        #expect(MapKind().validate(["argv": .array([])]).map(\.message) == ["argv must name a program to run"])
    }

    /// Many "{" without a "}" once searched to the end of the text for each "{" (quadratic: this took minutes).
    @Test func parseIsLinearInUnclosedBraces() throws {
        let text = String(repeating: "{a", count: 100_000) + "{out}"
        let segments = try ArgvTemplate.parse(text)
        #expect(segments.count == 2)
        #expect(ArgvTemplate.unknownPlaceholders(in: [text], allowed: ["out"]).isEmpty)
    }

    @Test func primaryFileSkipsCapturedStreams() throws {
        let input = InputArtifact.fake(stage: "prep", artifacts: [
            "stdout": URL(fileURLWithPath: "/s"), "stderr": URL(fileURLWithPath: "/e"), "data": URL(fileURLWithPath: "/d"),
        ])
        #expect(try ArgvTemplate.primaryFile(input).path == "/d")
        let two = InputArtifact.fake(stage: "prep", artifacts: ["a": URL(fileURLWithPath: "/a"), "b": URL(fileURLWithPath: "/b")])
        #expect(throws: StageFailure.self) { try ArgvTemplate.primaryFile(two) }
    }

    // MARK: command

    @Test func commandCapturesOutputAndReportsDeclaredArtifacts() throws {
        let context = try FakeStageContext(stageName: "prep", params: [
            "argv": .array(["sh", "-c", "echo hello; echo warn >&2; echo $LEMA_STAGE:$GREETING > \"$1/result.txt\"", "sh", "{out}"].map { .string($0) }),
            "env": .object(["GREETING": .string("hi")]),
            "outputs": .object(["result": .string("result.txt")]),
        ])
        defer { context.cleanUp() }
        let outcome = try CommandKind().run(context)
        #expect(outcome.artifacts == ["result": "result.txt", "stdout": "stdout.txt", "stderr": "stderr.txt"])
        #expect(context.outputText(outcome, "result") == "prep:hi\n")
        #expect(context.outputText(outcome, "stdout") == "hello\n")
        #expect(context.outputText(outcome, "stderr") == "warn\n")
    }

    @Test func commandFailureCarriesTheStderrTail() throws {
        let context = try FakeStageContext(params: [
            "argv": .array(["sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do echo line$i >&2; done; exit 3"].map { .string($0) }),
        ])
        defer { context.cleanUp() }
        do {
            _ = try CommandKind().run(context)
            Issue.record("expected a failure")
        } catch let failure as StageFailure {
            #expect(failure.message.hasSuffix("failed (exit code 3); last lines of stderr:\n"
                + (3...10).map { "line\($0)" }.joined(separator: "\n")))
            #expect(failure.retryable)
        }
    }

    @Test func commandThatDoesNotWriteItsOutputFails() throws {
        let context = try FakeStageContext(params: [
            "argv": .array([.string("true")]), "outputs": .object(["model": .string("model.bin")]),
        ])
        defer { context.cleanUp() }
        #expect(throws: StageFailure.self) { try CommandKind().run(context) }
    }

    @Test func missingProgramIsAPermanentFailure() throws {
        let context = try FakeStageContext(params: ["argv": .array([.string("no-such-program-lema-test")])])
        defer { context.cleanUp() }
        do {
            _ = try CommandKind().run(context)
            Issue.record("expected a failure")
        } catch let failure as StageFailure {
            #expect(failure.message == "stage 'stage': cannot run 'no-such-program-lema-test': no such program (not found in PATH)")
            #expect(!failure.retryable)
        }
    }

    @Test func cancellationStopsTheChildProcessGroup() throws {
        let context = try FakeStageContext(params: ["argv": .array(["sh", "-c", "sleep 20 & wait"].map { .string($0) })])
        defer { context.cleanUp() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { context.isCancelled = true }
        #expect(throws: StageCancelled.self) { try CommandKind().run(context) }
    }

    // MARK: map

    @Test func mapCollectsOutputsInInputOrderAndResumesFromTheLedger() throws {
        let ledger = InMemoryLedger(finished: [MapKind.key(1): Data("FROM-LEDGER".utf8)])
        let context = try FakeStageContext(stageName: "upper", params: [
            "argv": .array(["sh", "-c", "echo \"$1\" >> \"$3\"; read line; echo \"$1:$line\" | tr a-z A-Z", "sh", "{index}", "{item}",
                            "effects"].map { .string($0) }),
            "parallel": .int(3),
        ], ledger: ledger)
        defer { context.cleanUp() }
        let input = try context.writeFile("in.txt", "alpha\nbeta\n\ngamma\r\ndelta\n")
        context.setInputs("input", [.fake(stage: "src", artifacts: ["data": input])])
        let outcome = try MapKind().run(context)
        #expect(outcome.artifacts == ["outputs": "outputs.jsonl"])
        #expect(context.outputText(outcome, "outputs") == """
            {"index":0,"output":"0:ALPHA"}
            {"index":1,"output":"FROM-LEDGER"}
            {"index":2,"output":"2:GAMMA"}
            {"index":3,"output":"3:DELTA"}

            """)
        // Record 1 was in the ledger: it did not run again.
        let effects = try String(contentsOf: context.specDirectory.appendingPathComponent("effects"), encoding: .utf8)
        #expect(effects.split(separator: "\n").sorted() == ["0", "2", "3"])
        #expect(context.progressReports.last.map { [$0.done, $0.total ?? -1] } == [4, 4])
    }

    @Test func mapFailsWithTheRecordAndKeepsFinishedOnes() throws {
        let ledger = InMemoryLedger()
        let context = try FakeStageContext(params: [
            "argv": .array(["sh", "-c", "[ \"$1\" != bad ] || { echo broken >&2; exit 2; }; echo ok-$1", "sh", "{item}"].map { .string($0) }),
            "parallel": .int(1),
        ], ledger: ledger)
        defer { context.cleanUp() }
        let input = try context.writeFile("in.txt", "a\nb\nbad\nc\n")
        context.setInputs("input", [.fake(stage: "src", artifacts: ["data": input])])
        do {
            _ = try MapKind().run(context)
            Issue.record("expected a failure")
        } catch let failure as StageFailure {
            #expect(failure.message.hasPrefix("record 2 failed: command `sh -c"))
            #expect(failure.message.hasSuffix("ended with exit code 2; last lines of stderr:\nbroken"))
        }
        #expect(try ledger.finishedItems() == [MapKind.key(0): Data("ok-a".utf8), MapKind.key(1): Data("ok-b".utf8)])
    }

    @Test func ledgerKeysAreZeroPaddedToEightDigits() {
        let keys = [0, 9, 10, 123, 99_999_999, 100_000_000].map(MapKind.key)
        #expect(keys == ["00000000", "00000009", "00000010", "00000123", "99999999", "100000000"])
    }

    @Test func noopWritesNothing() throws {
        let context = try FakeStageContext()
        defer { context.cleanUp() }
        #expect(try NoopKind().run(context) == StageOutcome())
        #expect(try FileManager.default.contentsOfDirectory(atPath: context.outputDirectory.path).isEmpty)
    }
}
