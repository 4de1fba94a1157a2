/// Bounds on what a spec may contain, so that any input, however large or hostile, is accepted or refused quickly
/// and nothing it names breaks later as a path or a database name. Each limit is far above what a real spec needs;
/// every refusal names `file:line:col` and the limit. docs/spec.md ("Limits") lists them.
public enum SpecLimits {
    /// Bytes of spec text. Larger files are refused before they are parsed.
    public static let maxSpecBytes = 10 * 1024 * 1024
    /// Lists and mappings inside each other. libyaml's scanner does work proportional to the nesting depth for
    /// every token, so unbounded nesting is quadratic; the compiler's tree walks are recursive as well.
    public static let maxDepth = 256
    /// Bytes of one scalar (a key or a value).
    public static let maxScalarBytes = 1024 * 1024
    /// Nodes of the document, counting what each alias stands for ("billion laughs" documents are refused).
    /// Counted while parsing, so a huge document is refused as soon as it crosses the limit.
    public static let maxNodes = 250_000
    /// Characters of the pipeline name (runs/<name>/), stage names (nodes/<stage>-<fingerprint>/), parameter names
    /// and artifact names in references: well inside the 255-byte limit of one path component.
    public static let maxNameLength = 100
    /// Characters of a variant's name (written or made from the grid values); names are shown in every report.
    public static let maxVariantNameLength = 200
    /// Stages of one pipeline.
    public static let maxStages = 20_000
    /// Nodes of the compiled graph (and distinct stage resolutions): each costs a resolution and a SHA-256.
    public static let maxGraphNodes = 50_000
    /// Variants of a sweep (grid points and explicit variants together).
    public static let maxVariants = 100_000
    /// Work of expanding the sweep into nodes, in steps: one per (variant, stage) pair, per parameter value a
    /// variant copies or a stage reads, per resolved stage value and per input edge. Bounds specs whose every part
    /// is within its own limit but whose product (variants × stages × values) is not.
    public static let maxExpansionSteps = 1_000_000
    /// `replicates:` of one pipeline (each multiplies the variants).
    public static let maxReplicates = 1_000
    /// Distinct errors reported for one spec; the rest are summarised in one line.
    public static let maxErrors = 100
    /// Words longer than this get no did-you-mean suggestion (edit distance costs length × length).
    public static let maxSuggestedLength = 64

    /// User text as shown inside a message: at most `limit` Unicode scalars, the rest elided with its length, so a
    /// megabyte value cannot turn into a megabyte error message.
    static func shown(_ text: String, limit: Int = 60) -> String {
        guard !text.unicodeScalars.dropFirst(limit).isEmpty else { return text }
        // By scalars, not characters: one character may carry any number of combining marks.
        var prefix = String.UnicodeScalarView()
        prefix.append(contentsOf: text.unicodeScalars.prefix(limit))
        return String(prefix) + "… (\(text.utf8.count) bytes)"
    }
}
