/// The name lema gives a job: `lema.<run>.<node>.<attempt>` — enough to find the job again when sbatch's reply
/// was lost (a timed-out sbatch may have gone through), and to tell a node's attempts apart in `squeue`.
public struct JobName: Sendable, Hashable, CustomStringConvertible {
    /// The pipeline (run) name.
    public var run: String
    /// The node's stage name and fingerprint prefix, e.g. `train-3fa2c1d0`.
    public var node: String
    /// 1 for the first attempt.
    public var attempt: Int

    /// Takes the names as given (`description` cleans them); `attempt` counts from 1, as `init(parsing:)` requires.
    public init(run: String, node: String, attempt: Int) {
        self.run = run
        self.node = node
        self.attempt = attempt
    }

    /// The `--job-name` given to sbatch: `lema.<run>.<node>.<attempt>`, run and node cleaned.
    public var description: String { "lema.\(Self.clean(run)).\(Self.clean(node)).\(attempt)" }

    /// The name parsed back, or nil for a job lema did not name. Run and node names keep only letters, digits,
    /// `_` and `-` (others become `_`), so the dots are unambiguous.
    public init?(parsing text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "lema", !parts[1].isEmpty, !parts[2].isEmpty,
              let attempt = Int(parts[3]), attempt >= 1 else { return nil }
        self.init(run: String(parts[1]), node: String(parts[2]), attempt: attempt)
    }

    static func clean(_ s: String) -> String {
        String(s.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") ? $0 : "_" })
    }
}
