/// A problem with one line of a data file, named by file and 1-based line: `gold.jsonl:12: missing field "prompt"`.
public struct DataFileError: Error, CustomStringConvertible, Sendable, Hashable {
    public var file: String
    /// 1-based line number; 0 when the problem concerns the whole file.
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}
