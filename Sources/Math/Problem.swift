import LemaCore

/// Which part of a data set a problem belongs to.
public enum Split: String, Codable, Sendable, Hashable, CaseIterable {
    /// Training, development (checkpoint selection) and test data.
    case train, dev, test
}

/// A math word problem with its gold solution.
public struct Problem: Codable, Sendable, Hashable, Identifiable {
    /// Stable identifier: `syn-<seed>-<index>` for generated problems, the file's id or `<file-stem>-<line>` for
    /// loaded ones.
    public var id: String
    /// The question text, without any prompt template around it.
    public var question: String
    /// The gold solution. Generated problems use numbered `Step i:` lines, the last ending `The answer is N.`;
    /// real data keeps whatever text the file has.
    public var solution: String
    /// The gold answer.
    public var answer: Double
    /// Number of arithmetic steps (graph operations for generated problems; arithmetic claims in the solution for
    /// loaded ones).
    public var difficulty: Int
    /// The computation the question describes; `nil` for real data.
    public var graph: ComputationGraph?
    /// Which part of the data set the problem belongs to.
    public var split: Split

    /// A problem from its parts; `graph` only for generated problems.
    public init(id: String, question: String, solution: String, answer: Double, difficulty: Int,
                graph: ComputationGraph? = nil, split: Split) {
        self.id = id
        self.question = question
        self.solution = solution
        self.answer = answer
        self.difficulty = difficulty
        self.graph = graph
        self.split = split
    }

    /// The gold solution split into steps.
    public var parsedSolution: Solution { Solution(parsing: solution) }

    /// The question normalised for duplicate detection: lower case, letters and digits only, single spaces.
    public var normalizedQuestion: String { Self.normalize(question) }

    /// Lower case, every run of characters other than letters and digits replaced by one space, trimmed.
    public static func normalize(_ text: String) -> String {
        var out = ""
        var pendingSpace = false
        for ch in text.lowercased() {
            if ch.isLetter || ch.isNumber {
                if pendingSpace && !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.append(ch)
            } else {
                pendingSpace = true
            }
        }
        return out
    }
}

/// The arithmetic a question describes: stated quantities and binary operations over quantities and earlier
/// results. Values are exact integers (generated problems only divide exactly). The last operation yields the answer.
public struct ComputationGraph: Codable, Sendable, Hashable {
    /// A value an operation reads.
    public enum Operand: Codable, Sendable, Hashable {
        /// The i-th stated quantity.
        case quantity(Int)
        /// The result of the i-th operation.
        case result(Int)
    }

    /// One arithmetic step.
    public struct Operation: Codable, Sendable, Hashable {
        /// The operation applied, `lhs op rhs`.
        public var op: ArithmeticOp
        /// The left operand.
        public var lhs: Operand
        /// The right operand (the divisor of a division, the subtrahend of a subtraction).
        public var rhs: Operand
        /// The exact result of `lhs op rhs`.
        public var result: Int
        /// An operation from its parts; `result` is not checked against the operands.
        public init(op: ArithmeticOp, lhs: Operand, rhs: Operand, result: Int) {
            self.op = op
            self.lhs = lhs
            self.rhs = rhs
            self.result = result
        }
    }

    /// Values stated in the question, in order of mention.
    public var quantities: [Int]
    /// Operations in a valid (topological) order; each reads only quantities and earlier results.
    public var operations: [Operation]

    /// A graph from its parts; operations must be in topological order (each reads only earlier results).
    public init(quantities: [Int], operations: [Operation]) {
        self.quantities = quantities
        self.operations = operations
    }

    /// The answer: the last operation's result (or the only quantity when there is no operation).
    public var answer: Int { operations.last?.result ?? quantities.first ?? 0 }

    /// The value an operand stands for.
    public func value(of operand: Operand) -> Int {
        switch operand {
        case .quantity(let i): quantities[i]
        case .result(let i): operations[i].result
        }
    }

    /// The operations an operation depends on directly.
    public func dependencies(of index: Int) -> [Int] {
        let o = operations[index]
        return [o.lhs, o.rhs].compactMap { if case .result(let j) = $0 { j } else { nil } }
    }

    /// Whether each operation reads only earlier results and computes its stated result exactly.
    public var isConsistent: Bool {
        for (i, o) in operations.enumerated() {
            for operand in [o.lhs, o.rhs] {
                switch operand {
                case .quantity(let q): if q < 0 || q >= quantities.count { return false }
                case .result(let r): if r < 0 || r >= i { return false }
                }
            }
            if o.op.applyExact(value(of: o.lhs), value(of: o.rhs)) != o.result { return false }
        }
        return true
    }
}

extension Problem {
    /// The problem as one line of the LeMa evaluation format, `{"completion": solution, "prompt": CoT prompt}`
    /// (canonical JSON, sorted keys) — what `lema score` and `ProblemLoader` with `.lemaEval` read.
    public func lemaEvalLine(templates: RecordTemplates = .paper) -> String {
        let record = RecordBuilder(templates: templates).cot(question: question, solution: solution)
        return JSONValue.object(["prompt": .string(record.prompt), "completion": .string(record.target)]).canonicalText
    }
}
