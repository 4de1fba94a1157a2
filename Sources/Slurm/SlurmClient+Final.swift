import Foundation

/// The parts of `scontrol show config` lema reads.
public struct SlurmConfiguration: Sendable, Equatable {
    /// Every `Key = value` line.
    public var values: [String: String]

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
        guard let path = configuration.jobCompletionLog,
              let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        let wanted = Set(ids)
        return JobCompLog.parse(text).filter { wanted.contains($0.key) }
    }
}
