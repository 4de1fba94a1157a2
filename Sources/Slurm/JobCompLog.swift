/// The job-completion log of `JobCompType=jobcomp/filetxt`: one line per finished job, `Key=value` pairs separated
/// by spaces (`JobId=7 … Name=lat JobState=COMPLETED … NodeList=vm … ExitCode=0:0`). Where sacct has nothing (no
/// slurmdbd), this is the record of how a job ended.
public enum JobCompLog {
    /// The pairs of one line. A word without `=` belongs to the previous value (a job name with spaces).
    public static func fields(_ line: some StringProtocol) -> [String: String] {
        var out: [String: String] = [:]
        var lastKey: String?
        for word in line.split(separator: " ") {
            if let eq = word.firstIndex(of: "="), word[..<eq].allSatisfy({ $0.isLetter || $0.isNumber }),
               eq != word.startIndex {
                let key = String(word[..<eq])
                out[key] = String(word[word.index(after: eq)...])
                lastKey = key
            } else if let key = lastKey {
                out[key, default: ""] += " " + word
            }
        }
        return out
    }

    /// The final record of each job in `text`, by job id; a job listed more than once (requeued and run again)
    /// keeps its last line. Lines without a `JobId` are skipped.
    public static func parse(_ text: String) -> [String: JobSnapshot] {
        var out: [String: JobSnapshot] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let f = fields(line)
            guard let id = f["JobId"], !id.isEmpty else { continue }
            let node = f["NodeList"] == "(null)" ? "" : f["NodeList"] ?? ""
            let state = JobState.from(slurmState: f["JobState"] ?? "", node: node,
                                      exitCode: f["ExitCode"].flatMap { JobState.exitCode($0) })
            out[id] = JobSnapshot(id: id, name: f["Name"] ?? "", state: state, elapsedSeconds: nil)
        }
        return out
    }
}
