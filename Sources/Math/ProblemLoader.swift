import Foundation
import LemaCore

/// The shapes of problem files the loaders read.
public enum DatasetFormat: Codable, Sendable, Hashable {
    /// LeMa evaluation format: `{"prompt": "…Question: {q}\nAnswer: …", "completion": "… The answer is N."}`.
    case lemaEval
    /// Original GSM8K: `{"question": …, "answer": "…<<2*3=6>>…\n#### 6"}`.
    case gsm8k
    /// Any JSON Lines file with the named fields.
    case jsonl(JSONLFields)
}

/// Field names of a generic JSON Lines problem file.
public struct JSONLFields: Codable, Sendable, Hashable {
    /// The field holding the question text (required on every line).
    public var question: String
    /// A number or a string answer (`"1,234"`, `"$5"`); when absent from a line, the answer is extracted from
    /// the solution field.
    public var answer: String?
    /// The field holding the gold solution; nil means none (the solution is empty).
    public var solution: String?
    /// The field holding the problem's id; nil means ids are `<file stem>-<line>`.
    public var id: String?

    /// Defaults: question from `question`, answer from `answer`, no solution, no id.
    public init(question: String = "question", answer: String? = "answer", solution: String? = nil, id: String? = nil) {
        self.question = question
        self.answer = answer
        self.solution = solution
        self.id = id
    }
}

/// How to treat malformed lines and what to stamp on loaded problems.
public struct LoadOptions: Codable, Sendable, Hashable {
    /// Skip malformed lines (and report them in `LoadResult.skipped`) instead of failing on the first one.
    public var skipMalformed: Bool = false
    /// The split every loaded problem gets.
    public var split: Split = .test
    /// Defaults: fail on the first malformed line; problems go to `.test`.
    public init(skipMalformed: Bool = false, split: Split = .test) {
        self.skipMalformed = skipMalformed
        self.split = split
    }
}

/// Loaded problems and the lines that were skipped (only with `skipMalformed`).
public struct LoadResult: Sendable, Hashable {
    /// The problems read, in file order.
    public var problems: [Problem]
    /// One error per skipped line, naming file, line and what was wrong.
    public var skipped: [DataFileError]
    /// Lines skipped as malformed.
    public var skippedCount: Int { skipped.count }
}

/// Reads GSM8K-style problem files. Every non-blank line is a problem or an error naming file and line; nothing is
/// dropped silently. Ids are the file's own (`jsonl` with an id field) or `<file stem>-<line>`.
public enum ProblemLoader {
    /// Loads a file. Errors: `DataFileError` (unreadable file, malformed line).
    public static func load(contentsOf url: URL, format: DatasetFormat,
                            options: LoadOptions = LoadOptions()) throws(DataFileError) -> LoadResult {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw DataFileError(file: url.path, line: 0, message: "cannot read the file as UTF-8 text (\(error.localizedDescription))")
        }
        return try load(text: text, fileName: url.path, format: format, options: options)
    }

    /// Loads JSON Lines text; `fileName` (a path or a name) is used in errors, its stem in ids.
    public static func load(text: String, fileName: String, format: DatasetFormat,
                            options: LoadOptions = LoadOptions()) throws(DataFileError) -> LoadResult {
        let stem = URL(fileURLWithPath: fileName).deletingPathExtension().lastPathComponent
        var problems: [Problem] = []
        var skipped: [DataFileError] = []
        for line in JSONLines.split(Data(text.utf8), file: URL(fileURLWithPath: fileName), blankLines: .keep) {
            let number = line.lineNumber
            switch problem(line.bytes, format: format, defaultID: "\(stem)-\(number)", split: options.split) {
            case .success(let p): problems.append(p)
            case .failure(let issue):
                let error = DataFileError(file: fileName, line: number, message: issue.message)
                guard options.skipMalformed else { throw error }
                skipped.append(error)
            }
        }
        return LoadResult(problems: problems, skipped: skipped)
    }

    static func problem(_ line: Data, format: DatasetFormat, defaultID: String,
                        split: Split) -> Result<Problem, LineProblem> {
        Result {
            let object = try JSONLines.object(line).get()
            var id = defaultID
            let question: String, solution: String, answer: Double
            switch format {
            case .lemaEval:
                question = questionText(fromPrompt: try JSONLines.string(object, "prompt").get())
                solution = try JSONLines.string(object, "completion").get()
                guard let v = AnswerExtraction.extract(solution).value else {
                    throw LineProblem("no answer in \"completion\" (expected it to end 'The answer is N.')")
                }
                answer = v
            case .gsm8k:
                question = try JSONLines.string(object, "question").get()
                let full = try JSONLines.string(object, "answer").get()
                guard let marker = full.range(of: "####", options: .backwards) else {
                    throw LineProblem("field \"answer\" has no '#### N' final answer")
                }
                let final = full[marker.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
                guard let v = Double(final.replacingOccurrences(of: ",", with: "")) else {
                    throw LineProblem("the answer after '####' is not a number: '\(final)'")
                }
                answer = v
                solution = removingCalculatorAnnotations(String(full[..<marker.lowerBound]))
                    .trimmingCharacters(in: .whitespacesAndNewlines) + "\nThe answer is \(NumberText.render(v))."
            case .jsonl(let fields):
                question = try JSONLines.string(object, fields.question).get()
                solution = try fields.solution.map { try JSONLines.string(object, $0).get() } ?? ""
                if let key = fields.id {
                    switch object[key] {
                    case .string(let s)?: id = s
                    case .int(let n)?: id = String(n)
                    default: throw LineProblem("missing field \"\(key)\" (the id)")
                    }
                }
                if let key = fields.answer, let value = object[key] {
                    switch value {
                    case .int, .double: answer = value.doubleValue ?? 0
                    case .string(let s):
                        guard let v = AnswerExtraction.value(of: s).value else {
                            throw LineProblem("field \"\(key)\" is not a number: '\(s)'")
                        }
                        answer = v
                    default: throw LineProblem("field \"\(key)\" must be a number or a string, found \(JSONLines.kindName(value))")
                    }
                } else if let v = AnswerExtraction.extract(solution).value {
                    answer = v
                } else {
                    throw LineProblem("no answer: field \"\(fields.answer ?? "answer")\" is missing and the solution has no 'The answer is N.'")
                }
            }
            let claims = ArithmeticClaim.extract(from: solution).count
            return Problem(id: id, question: question, solution: solution, answer: answer,
                           difficulty: max(1, claims), graph: nil, split: split)
        }.mapError { $0 as? LineProblem ?? LineProblem("\($0)") }
    }

    /// The question inside a LeMa prompt: between the last `Question: ` and the following `\nAnswer:`; the whole
    /// prompt (trimmed) when it does not have that shape.
    public static func questionText(fromPrompt prompt: String) -> String {
        guard let start = prompt.range(of: "Question: ", options: .backwards) else {
            return prompt.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let rest = prompt[start.upperBound...]
        let end = rest.range(of: "\nAnswer:")?.lowerBound ?? rest.endIndex
        return rest[..<end].trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// GSM8K's `<<48/2=24>>` calculator annotations removed.
    public static func removingCalculatorAnnotations(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "<<"), let close = rest[open.upperBound...].range(of: ">>") {
            out += rest[..<open.lowerBound]
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}
