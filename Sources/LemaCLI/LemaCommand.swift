import ArgumentParser
import Foundation

/// The `lema` command line. Every error of every subcommand leaves through `LemaCommand.runMain()`, which turns it
/// into one message on standard error and an exit code (see `ErrorFunnel`).
public struct LemaCommand: ParsableCommand {
    /// Name, help text and the subcommands of `lema`.
    public static let configuration = CommandConfiguration(
        commandName: "lema",
        abstract: "Learning-from-mistakes experiments as resumable pipelines.",
        discussion: """
            A pipeline is one YAML file (see docs/spec.md). `lema run SPEC` completes whatever is missing: \
            running it again after a crash resumes where it stopped.
            """,
        subcommands: [
            RunCommand.self, StatusCommand.self, GraphCommand.self, WhyCommand.self, InvalidateCommand.self,
            ExportCommand.self, ReportCommand.self, ScoreCommand.self, KindsCommand.self, ServeCommand.self, UICommand.self,
            NodeExecCommand.self,
        ]
    )

    /// Required by ArgumentParser; arguments are filled in by parsing.
    public init() {}

    /// Parses the process arguments, runs the chosen subcommand, and exits through the error funnel.
    public static func runMain() -> Never {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)  // usage errors: ArgumentParser's own formatting and suggestions
        }
        do {
            try command.run()
            Foundation.exit(0)
        } catch {
            // `--help` parses into ArgumentParser's own help command, whose `run()` throws an error of
            // ArgumentParser's (internal) types: it prints the help and exits 0 through ArgumentParser.
            if String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") { exit(withError: error) }
            ErrorFunnel.exit(with: error)
        }
    }
}
