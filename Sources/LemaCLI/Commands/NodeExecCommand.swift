import ArgumentParser
import Dispatch
import Engine
import Foundation
import Slurm
import StageAPI

/// `lema node-exec NODE_DIR` (hidden): runs one node inside a cluster job. Reads `job.json` from the node directory
/// (written by the controller), runs the stage kind against a `JournalContext` and ends the attempt's journal with
/// the outcome or the failure; the controller imports the journal and stays the only writer of the run's store.
struct NodeExecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node-exec", abstract: "Run one node inside a cluster job (used by the slurm executor).",
        shouldDisplay: false)

    @Argument(help: "The node directory holding job.json.")
    var nodeDirectory: String

    /// Exit status of an attempt that stopped on request after saving its progress (the batch script requeues it).
    static let stoppedOnRequest = JobRequest.stoppedOnRequest

    func run() throws {
        let file = URL(fileURLWithPath: nodeDirectory).appendingPathComponent("job.json")
        let spec: JobSpec
        do {
            spec = try JSONDecoder().decode(JobSpec.self, from: Data(contentsOf: file))
        } catch {
            throw CLIError(message: "cannot read \(file.path): \(error.localizedDescription)")
        }
        guard let kind = KindCatalog.registry[spec.kind] else {
            throw CLIError(message: "\(file.path): unknown stage kind '\(spec.kind)' (this lema has: "
                           + "\(KindCatalog.registry.names.joined(separator: ", ")))")
        }
        guard kind.version == spec.kindVersion else {
            throw CLIError(message: "\(file.path): stage kind '\(spec.kind)' is version \(kind.version) here, "
                           + "the controller's is \(spec.kindVersion): run the same lema binary on both sides")
        }
        let context = try JournalContext(spec: spec)
        let trap = StopSignals { context.cancel() }
        defer { trap.uninstall() }
        do {
            let outcome = try kind.run(context)
            try context.finish(.succeeded(outcome))
        } catch let failure as StageFailure {
            try context.finish(.failed(message: failure.message, retryable: failure.retryable))
            throw CLIError(message: "stage '\(spec.stageName)' failed: \(failure.message)")
        } catch is StageCancelled {
            try context.flush()
            throw CLIError(message: "stage '\(spec.stageName)' stopped on request; its progress is saved",
                           code: Self.stoppedOnRequest)
        } catch {
            try context.finish(.failed(message: "\(error)", retryable: true))
            throw error
        }
    }
}

/// SIGTERM (scancel, the time limit), SIGINT and SIGUSR1 (the warning before the time limit) ask the stage to save
/// its progress and stop, through Dispatch sources (the handler runs as ordinary code).
private final class StopSignals: @unchecked Sendable {
    // @unchecked Sendable: `sources` is only touched in init and uninstall.
    private static let signals: [Int32] = [SIGTERM, SIGINT, SIGUSR1]
    private var sources: [any DispatchSourceSignal] = []

    init(_ onSignal: @escaping @Sendable () -> Void) {
        for number in Self.signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: onSignal)
            source.resume()
            sources.append(source)
        }
    }

    func uninstall() {
        for source in sources { source.cancel() }
        for number in Self.signals { signal(number, SIG_DFL) }
    }
}
