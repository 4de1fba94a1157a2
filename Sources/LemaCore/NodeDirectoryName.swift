/// The name of a node's output directory under `runs/<pipeline>/nodes/`: `<stage>-<first 12 hex digits of the
/// node's fingerprint>`, e.g. `train-0123456789ab`. Stage names may contain dashes; the fingerprint part is always
/// the last 12 characters, after the last dash.
public enum NodeDirectoryName {
    /// Hex digits of the fingerprint kept in the name.
    public static let fingerprintDigits = 12

    /// `train-0123456789ab` for stage `train` and a fingerprint starting `0123456789ab`.
    public static func make(stage: String, fingerprint: String) -> String {
        "\(stage)-\(fingerprint.prefix(fingerprintDigits))"
    }

    /// The stage and fingerprint prefix of a node directory name; nil when the name does not end in a dash and
    /// 12 lowercase hex digits, or has no stage before them.
    public static func parse(_ name: String) -> (stage: String, fingerprintPrefix: String)? {
        guard let dash = name.lastIndex(of: "-") else { return nil }
        let stage = name[..<dash]
        let prefix = name[name.index(after: dash)...]
        guard !stage.isEmpty, prefix.utf8.count == fingerprintDigits,
              prefix.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                  || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) })
        else { return nil }
        return (String(stage), String(prefix))
    }
}
