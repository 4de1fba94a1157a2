/// One supervised example: the model reads `prompt` and learns to write `target` (loss on the target only).
public struct TrainingRecord: Codable, Sendable, Hashable {
    /// What the model reads; no loss is taken on it.
    public var prompt: String
    /// What the model learns to write right after `prompt`; the loss covers only these tokens.
    public var target: String
    /// A record from its two halves, taken verbatim (no separator is added between them).
    public init(prompt: String, target: String) {
        self.prompt = prompt
        self.target = target
    }
    /// `prompt + target`, the full sequence.
    public var text: String { prompt + target }
}

/// Prompt templates with `{question}` and `{solution}` placeholders.
public struct RecordTemplates: Codable, Sendable, Hashable {
    /// CoT input; the target is the solution.
    public var cotPrompt: String
    /// Correction input (instruction + question + original solution); the correction label that starts the target
    /// (`Incorrect Step:` with all components) is appended after it.
    public var correctionPrompt: String

    /// Templates with `{question}` (and, in `correctionPrompt`, `{solution}`) placeholders.
    public init(cotPrompt: String, correctionPrompt: String) {
        self.cotPrompt = cotPrompt
        self.correctionPrompt = correctionPrompt
    }

    /// The paper's formats.
    public static let paper = RecordTemplates(
        cotPrompt: "Please solve the following math problem.\nQuestion: {question}\nAnswer: Let's think step by step.\n",
        correctionPrompt: "For the following math word problem, the original solution may contain errors. "
            + "Please identify the incorrect step, explain why it is incorrect, and write the correct solution "
            + "starting from that step.\nQuestion: {question}\nOriginal Solution: {\n{solution}\n}\n")

    /// Short forms for tiny models with a context of a few hundred characters.
    public static let compact = RecordTemplates(
        cotPrompt: "Q: {question}\nA:\n",
        correctionPrompt: "Fix the first wrong step.\nQ: {question}\nS: {\n{solution}\n}\n")
}

/// Builds and reads back CoT and correction training records.
public struct RecordBuilder: Sendable {
    /// The prompt formats the records are built with and read back by.
    public var templates: RecordTemplates
    /// Whether correction targets write `...` or repeat the unchanged steps.
    public var style: CorrectionStyle

    /// Defaults: the paper's templates, with elided correction targets.
    public init(templates: RecordTemplates = .paper, style: CorrectionStyle = .elided) {
        self.templates = templates
        self.style = style
    }

    /// A CoT example: the question in the CoT template → the solution.
    public func cot(question: String, solution: String) -> TrainingRecord {
        TrainingRecord(prompt: fill(templates.cotPrompt, question: question, solution: ""), target: solution)
    }

    /// A correction example: instruction, question and original solution, then the label of the first included
    /// component → the rest of the correction. `components` drops parts for the paper's ablations (not empty).
    public func correction(question: String, original: Solution, correction: Correction,
                           components: CorrectionComponents = .all) -> TrainingRecord {
        let body = correction.renderedComponents(components.isEmpty ? .all : components, style: style, original: original)
        let label = [Correction.stepLabel, Correction.explanationLabel, Correction.solutionLabel]
            .first { body.hasPrefix($0) } ?? ""
        let prompt = fill(templates.correctionPrompt, question: question, solution: original.text) + label
        return TrainingRecord(prompt: prompt, target: String(body.dropFirst(label.count)))
    }

    /// The corrected full solution as a plain CoT example (the paper's "corrections as CoT" control).
    public func correctedAsCoT(question: String, original: Solution, correction: Correction) -> TrainingRecord {
        cot(question: question, solution: correction.correctedSolution(original: original).text)
    }

    /// Reads a CoT record back: (question, solution), or `nil` if the prompt does not fit the template.
    public func parseCoT(_ record: TrainingRecord) -> (question: String, solution: String)? {
        guard let fields = Self.match(record.prompt, template: templates.cotPrompt) else { return nil }
        return (fields["question"] ?? "", record.target)
    }

    /// Reads a correction record back: question, original solution and the correction components present.
    public func parseCorrection(_ record: TrainingRecord) -> (question: String, original: Solution, parts: CorrectionParts)? {
        let labels = [Correction.stepLabel, Correction.explanationLabel, Correction.solutionLabel]
        guard let label = labels.first(where: { record.prompt.hasSuffix($0) }),
              let fields = Self.match(String(record.prompt.dropLast(label.count)), template: templates.correctionPrompt)
        else { return nil }
        let parts = CorrectionParser.components(of: label + record.target)
        return (fields["question"] ?? "", Solution(parsing: fields["solution"] ?? ""), parts)
    }

    private func fill(_ template: String, question: String, solution: String) -> String {
        template.replacingOccurrences(of: "{question}", with: question)
            .replacingOccurrences(of: "{solution}", with: solution)
    }

    /// Matches `text` against a template, returning the placeholder values, or `nil`. Literal pieces are matched
    /// left to right; a placeholder takes the text up to the next literal piece (the last one for the final piece).
    static func match(_ text: String, template: String) -> [String: String]? {
        var pieces: [(literal: String, field: String?)] = []
        var rest = Substring(template)
        while let open = rest.range(of: "{question}") ?? rest.range(of: "{solution}") {
            let first = [rest.range(of: "{question}"), rest.range(of: "{solution}")].compactMap { $0 }
                .min { $0.lowerBound < $1.lowerBound } ?? open
            pieces.append((String(rest[..<first.lowerBound]), String(rest[first].dropFirst().dropLast())))
            rest = rest[first.upperBound...]
        }
        pieces.append((String(rest), nil))
        var fields: [String: String] = [:]
        var cursor = Substring(text)
        var pendingField: String?
        for (i, piece) in pieces.enumerated() {
            let isLast = i == pieces.count - 1
            if let field = pendingField {
                if isLast {
                    guard cursor.hasSuffix(piece.literal) else { return nil }
                    fields[field] = String(cursor.dropLast(piece.literal.count))
                    cursor = cursor[cursor.endIndex...]
                } else {
                    guard let r = piece.literal.isEmpty ? cursor.startIndex..<cursor.startIndex
                                                        : cursor.range(of: piece.literal) else { return nil }
                    fields[field] = String(cursor[..<r.lowerBound])
                    cursor = cursor[r.upperBound...]
                }
            } else {
                guard cursor.hasPrefix(piece.literal) else { return nil }
                cursor = cursor.dropFirst(piece.literal.count)
            }
            pendingField = piece.field
        }
        return cursor.isEmpty ? fields : nil
    }
}
