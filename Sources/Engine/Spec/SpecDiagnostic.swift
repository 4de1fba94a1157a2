import Foundation

/// One problem found in a spec (or in a `--set` override): where it is and what is wrong, with the fix when known.
public struct SpecDiagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where the problem is. `--set` problems use the file name `--set`, the argument's 1-based position as the
    /// line and the column inside that argument. Nil only for problems not tied to any place.
    public var location: SourceLocation?
    /// What is wrong, e.g. "unknown stage kind 'trian' — did you mean 'train'?".
    public var message: String

    /// A diagnostic at `location` (nil when tied to no place).
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
    /// The problems in location order; when the collector filled up, a last location-less one says so.
    public var diagnostics: [SpecDiagnostic]

    /// Wraps `diagnostics` as given (not re-sorted).
    public init(diagnostics: [SpecDiagnostic]) {
        self.diagnostics = diagnostics
    }

    /// One diagnostic per line.
    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}

/// Collects diagnostics while compiling: deduplicates (per-variant checks can find the same problem many times)
/// and sorts by location so the output is stable. After `SpecLimits.maxErrors` distinct problems the rest are
/// only counted as "more": a hostile spec with a million mistakes is refused as fast as one with a hundred, and
/// messages (with their did-you-mean searches) are not even built once the collector is full.
struct DiagnosticCollector {
    private(set) var items: [SpecDiagnostic] = []
    private var seen: Set<SpecDiagnostic> = []
    /// A problem was found after the collector was full (callers may also just stop looking once it is).
    private(set) var overflowed = false
    var limit = SpecLimits.maxErrors

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }
    /// True once `limit` problems are collected: callers may stop looking for more.
    var isFull: Bool { items.count >= limit }

    mutating func error(_ location: SourceLocation?, _ message: @autoclosure () -> String) {
        guard !isFull else {
            overflowed = true
            return
        }
        let diagnostic = SpecDiagnostic(location: location, message: message())
        if seen.insert(diagnostic).inserted { items.append(diagnostic) }
    }

    /// Adds another collector's problems (and its overflow).
    mutating func merge(_ other: DiagnosticCollector) {
        for d in other.items { error(d.location, d.message) }
        if other.overflowed { overflowed = true }
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

    /// The sorted diagnostics, then (if the collector filled up, so problems may be left out) one line saying so.
    func errors() -> SpecErrors {
        var all = sorted()
        if overflowed || isFull {
            all.append(SpecDiagnostic(location: nil, message:
                "too many errors: stopped after the first \(limit) (the limit); fix these and compile again"))
        }
        return SpecErrors(diagnostics: all)
    }
}
