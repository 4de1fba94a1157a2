import Foundation

/// The file a job's batch script writes when its payload ends by itself: exit code and finish time. Slurm's states
/// are advisory; this marker is the truth about a job's outcome. A job killed by Slurm (time limit, cancel, node
/// failure) never writes one.
public struct ExitMarker: Sendable, Equatable {
    public var exitCode: Int
    /// Seconds since 1970 (UTC) when the payload ended.
    public var finishedAt: Int

    public init(exitCode: Int, finishedAt: Int) {
        self.exitCode = exitCode
        self.finishedAt = finishedAt
    }

    /// The marker's file name in the job's directory.
    public static let fileName = "exit-marker.json"

    /// Reads the marker in `directory`: nil when there is none (or a torn one, which the writer's rename rules out).
    public static func read(in directory: URL) -> ExitMarker? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(fileName)),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let code = object["exit_code"] as? Int, let finished = object["finished_at"] as? Int else { return nil }
        return ExitMarker(exitCode: code, finishedAt: finished)
    }

    /// Shell lines that write the marker atomically (temp file, then rename) from `$code`.
    static func shellWriter(directory: String) -> String {
        let target = ShellQuote.quote(directory + "/" + fileName)
        let temp = ShellQuote.quote(directory + "/." + fileName + ".tmp")
        return "printf '{\"exit_code\":%d,\"finished_at\":%d}\\n' \"$code\" \"$(date +%s)\" > \(temp) && mv -f \(temp) \(target)"
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
