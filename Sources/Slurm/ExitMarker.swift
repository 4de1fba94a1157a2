import Foundation

/// The file a job's batch script writes when its payload ends by itself: exit code and finish time. Slurm's states
/// are advisory; this marker is the truth about a job's outcome. A job killed by Slurm (time limit, cancel, node
/// failure) never writes one.
public struct ExitMarker: Sendable, Equatable {
    /// The payload's exit status; 0 is success, above 128 a signal (128 + signal number).
    public var exitCode: Int
    /// Seconds since 1970 (UTC) when the payload ended.
    public var finishedAt: Int

    /// A marker as the batch script writes it (`finishedAt` in seconds since 1970).
    public init(exitCode: Int, finishedAt: Int) {
        self.exitCode = exitCode
        self.finishedAt = finishedAt
    }

    /// Reads the marker at `url`: nil when there is none (or a torn one, which the writer's rename rules out).
    public static func read(at url: URL) -> ExitMarker? {
        guard let data = try? Data(contentsOf: url),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let code = object["exit_code"] as? Int, let finished = object["finished_at"] as? Int else { return nil }
        return ExitMarker(exitCode: code, finishedAt: finished)
    }

    /// Shell lines that write the marker at `path` atomically (temp file, then rename) from `$code`.
    static func shellWriter(path: String) -> String {
        let temp = ShellQuote.quote(path + ".tmp")
        return "printf '{\"exit_code\":%d,\"finished_at\":%d}\\n' \"$code\" \"$(date +%s)\" > \(temp) && mv -f \(temp) \(ShellQuote.quote(path))"
    }
}

/// POSIX shell quoting.
enum ShellQuote {
    /// `s` as one shell word: single-quoted, with each `'` written as `'\''`.
    static func quote(_ s: String) -> String {
        if !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/._-=:,+@%".contains($0)) }) {
            return s
        }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
