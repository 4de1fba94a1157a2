import Foundation
import Slurm

extension SlurmExecutor {
    /// Before anything runs: Slurm's commands must be there (else a clear error, and nothing is submitted), and a
    /// run directory that compute nodes plainly cannot see (under /tmp) earns a warning through `warn`.
    func checkReady(runDirectory: URL, warn: (String) -> Void) throws {
        do { _ = try client.version() } catch let error as SlurmError {
            throw SlurmNotReady(underlying: error)
        }
        if let why = LocalFilesystem.reason(runDirectory) {
            warn("warning: the run directory \(runDirectory.path) is \(why): Slurm jobs on other machines cannot "
                 + "see it. On a real cluster put the run on a shared filesystem (--runs-dir on NFS, Lustre, GPFS…); "
                 + "this works only when every job runs on this machine")
        }
    }
}

/// The slurm executor cannot start (its commands are missing or do not answer); nothing was submitted.
struct SlurmNotReady: Error, CustomStringConvertible {
    let underlying: SlurmError
    var description: String { "cannot run stages on Slurm, nothing was run: \(underlying)" }
}

/// Directories that are plainly local to this machine.
enum LocalFilesystem {
    private static let localPrefixes = ["/tmp/", "/var/tmp/", "/dev/shm/", "/run/"]

    /// Why `directory` is local to this machine ("under /tmp"), or nil when it may be shared.
    static func reason(_ directory: URL) -> String? {
        var path = directory.standardizedFileURL.resolvingSymlinksInPath().path
        if !path.hasSuffix("/") { path += "/" }
        if let prefix = localPrefixes.first(where: { path.hasPrefix($0) }) {
            return "under \(prefix.dropLast())"
        }
        return nil
    }
}
