import Foundation

/// One problem found in a spec (or in a `--set` override): where it is and what is wrong, with the fix when known.
public struct SpecDiagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where the problem is. `--set` problems use the file name `--set`, the argument's 1-based position as the
    /// line and the column inside that argument. Nil only for problems not tied to any place.
    public var location: SourceLocation?
    /// What is wrong, e.g. "unknown stage kind 'trian' — did you mean 'train'?".
    public var message: String

    public init(location: SourceLocation?, message: String) {
        self.location = location
        self.message = message
    }

    /// `file:line:col: error: message`.
    public var description: String {
        if let location { return "\(location): error: \(message)" }
        return "error: \(message)"
    }
}

/// Every problem found while compiling a spec, sorted by location. Thrown by `PipelineCompiler`.
public struct SpecErrors: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [SpecDiagnostic]

    public init(diagnostics: [SpecDiagnostic]) {
        self.diagnostics = diagnostics
    }

    /// One diagnostic per line.
    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}

/// Collects diagnostics while compiling: deduplicates (per-variant checks can find the same problem many times)
/// and sorts by location so the output is stable.
struct DiagnosticCollector {
    private(set) var items: [SpecDiagnostic] = []
    private var seen: Set<SpecDiagnostic> = []

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }

    mutating func error(_ location: SourceLocation?, _ message: String) {
        let diagnostic = SpecDiagnostic(location: location, message: message)
        if seen.insert(diagnostic).inserted { items.append(diagnostic) }
    }

    /// Diagnostics ordered by file, line, column, then message; location-less ones first.
    func sorted() -> [SpecDiagnostic] {
        items.sorted { a, b in
            switch (a.location, b.location) {
            case (nil, nil): return a.message < b.message
            case (nil, _): return true
            case (_, nil): return false
            case let (la?, lb?):
                if la.file != lb.file { return la.file < lb.file }
                if la.line != lb.line { return la.line < lb.line }
                if la.column != lb.column { return la.column < lb.column }
                return a.message < b.message
            }
        }
    }

    func errors() -> SpecErrors { SpecErrors(diagnostics: sorted()) }
}
