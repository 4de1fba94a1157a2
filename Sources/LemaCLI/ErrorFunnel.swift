import ArgumentParser
import Engine
import Foundation

/// Exit codes of `lema` (documented in docs/operations.md).
public enum LemaExitCode {
    /// Some node failed (or was blocked by a failure); the rest completed.
    public static let failure: Int32 = 1
    /// The spec (or a command-line value) is invalid; nothing was run.
    public static let invalidSpec: Int32 = 2
    /// Another live `lema` process owns the run.
    public static let locked: Int32 = 3
    /// Interrupted by SIGINT/SIGTERM; state is consistent, run again to resume.
    public static let interrupted: Int32 = 130
}

/// The one place where errors become messages and exit codes. Modules throw rich errors; here they are printed once,
/// in one style, to standard error.
enum ErrorFunnel {
    static func exit(with error: Error) -> Never {
        switch error {
        case let errors as SpecErrors:
            for diagnostic in errors.diagnostics { printError(diagnostic.description) }
            let n = errors.diagnostics.count
            printError("lema: the spec has \(n) error\(n == 1 ? "" : "s"); nothing was run.")
            Foundation.exit(LemaExitCode.invalidSpec)
        case let error as StoreError:
            printError("lema: error: \(error)")
            if case .locked = error { Foundation.exit(LemaExitCode.locked) }
            Foundation.exit(LemaExitCode.failure)
        case let error as CLIError:
            printError("lema: error: \(error.message)")
            Foundation.exit(error.code)
        case is CleanExit, is ExitCode, is ValidationError:
            LemaCommand.exit(withError: error)
        default:
            printError("lema: error: \(error)")
            Foundation.exit(LemaExitCode.failure)
        }
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// An error raised by the CLI layer itself (bad combination of flags, unknown stage name, …).
struct CLIError: Error, CustomStringConvertible {
    var message: String
    var code: Int32 = LemaExitCode.failure
    var description: String { message }
}
