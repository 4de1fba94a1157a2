import Foundation

/// The parts of `scontrol show config` lema reads.
public struct SlurmConfiguration: Sendable, Equatable {
    /// Every `Key = value` line.
    public var values: [String: String]

    /// Reads `scontrol show config` output; lines without ` = ` or with a key containing a space are skipped.
    public init(parsing text: String) {
        var values: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let eq = line.range(of: " = ") else { continue }
            let key = line[..<eq.lowerBound].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, !key.contains(" ") else { continue }
            values[key] = line[eq.upperBound...].trimmingCharacters(in: .whitespaces)
        }
        self.values = values
    }

    /// sacct has records only with an accounting storage (slurmdbd).
    public var hasAccounting: Bool {
        guard let type = values["AccountingStorageType"] else { return false }
        return type != "accounting_storage/none" && !type.isEmpty
    }

    /// The job-completion log's path, when the cluster writes one as text.
    public var jobCompletionLog: String? {
        guard values["JobCompType"] == "jobcomp/filetxt", let path = values["JobCompLoc"], path.hasPrefix("/") else {
            return nil
        }
        return path
    }

    /// How long Slurm keeps a finished job in squeue (`MinJobAge`, seconds).
    public var minJobAge: Int? {
        values["MinJobAge"].flatMap { Int($0.split(separator: " ").first ?? "") }
    }
}

extension SlurmClient {
    /// How these jobs ended, by id: from sacct when the cluster keeps accounting, else from the job-completion log
    /// (when lema can read it), else nothing — the caller then has only its exit markers and calls a job without
    /// one LOST.
    public func finalRecords(of ids: [String], configuration: SlurmConfiguration) throws -> [String: JobSnapshot] {
        guard !ids.isEmpty else { return [:] }
        if configuration.hasAccounting {
            let args = ["--noheader", "--allocations", "--parsable2", "--delimiter=|", "--jobs=\(ids.joined(separator: ","))",
                        "--format=\(SacctParser.fields)"]
            let out = try run("sacct", args)
            guard out.status == 0 else { throw failure("sacct", args, out) }
            return Dictionary(try SacctParser.parse(out.stdout).map { ($0.id, $0) }, uniquingKeysWith: { _, b in b })
        }
        let wanted = Set(ids)
        return completionLog(configuration).filter { wanted.contains($0.key) }
    }

    /// Finished jobs with this exact name, oldest first, from sacct or the completion log: a job that ended longer
    /// ago than `MinJobAge` is no longer in squeue, but it still ran and must not be submitted again.
    public func finishedJobs(named name: JobName, configuration: SlurmConfiguration) throws -> [JobSnapshot] {
        var found: [JobSnapshot]
        if configuration.hasAccounting {
            let args = ["--noheader", "--allocations", "--parsable2", "--delimiter=|", "--name=\(name)",
                        "--starttime=1970-01-01", "--format=\(SacctParser.fields)"]
            let out = try run("sacct", args)
            guard out.status == 0 else { throw failure("sacct", args, out) }
            found = try SacctParser.parse(out.stdout)
        } else {
            found = Array(completionLog(configuration).values)
        }
        return found.filter { $0.name == name.description }.sorted { (Int($0.id) ?? 0) < (Int($1.id) ?? 0) }
    }

    /// The completion log's last record per job, when the cluster writes one lema can read.
    private func completionLog(_ configuration: SlurmConfiguration) -> [String: JobSnapshot] {
        guard let path = configuration.jobCompletionLog,
              let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        return JobCompLog.parse(text)
    }
}
