import Foundation
import LemaCore
import StageAPI

/// YAML spec → validated `PipelineSpec` → `Graph`. The only entry point other modules need.
///
/// Every problem found is collected and thrown together as `SpecErrors` (sorted by location); a graph is returned
/// only for a spec without problems, so nothing can run from an invalid spec.
public enum PipelineCompiler {
    /// Reads, validates and compiles a spec file. `overrides` are `--set key=value` strings; the value is read as
    /// YAML (so `ratio=0.5` is a number and `tags=[a,b]` a list). Locations use the path as given.
    public static func compile(file: URL, overrides: [String], registry: KindRegistry) throws -> Graph {
        let text: String
        do {
            // At most one byte over the limit is read, so an oversized file (or a pipe that never ends) is refused
            // without being held in memory.
            let handle = try FileHandle(forReadingFrom: file)
            defer { try? handle.close() }
            let data = try handle.read(upToCount: SpecLimits.maxSpecBytes + 1) ?? Data()
            if data.count > SpecLimits.maxSpecBytes {
                let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
                throw SpecErrors(diagnostics: [tooLarge(bytes: size > SpecLimits.maxSpecBytes ? size : nil,
                                                        fileName: file.relativePath)])
            }
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw SpecErrors(diagnostics: [SpecDiagnostic(
                    location: nil, message: "cannot read spec '\(file.relativePath)': it is not UTF-8 text")])
            }
            text = decoded
        } catch let errors as SpecErrors {
            throw errors
        } catch {
            throw SpecErrors(diagnostics: [SpecDiagnostic(
                location: nil, message: "cannot read spec '\(file.relativePath)': \(error.localizedDescription)")])
        }
        return try compile(text: text, fileName: file.relativePath,
                           specDirectory: file.deletingLastPathComponent().standardizedFileURL,
                           overrides: overrides, registry: registry)
    }

    /// Same from text (tests). `fileName` is used in locations; `specDirectory` is recorded in the graph.
    public static func compile(text: String, fileName: String, specDirectory: URL, overrides: [String],
                               registry: KindRegistry) throws -> Graph {
        if text.utf8.count > SpecLimits.maxSpecBytes {
            throw SpecErrors(diagnostics: [tooLarge(bytes: text.utf8.count, fileName: fileName)])
        }
        var diagnostics = DiagnosticCollector()
        guard let parsed = YAMLParser(fileName: fileName).parse(text, diagnostics: &diagnostics) else {
            if diagnostics.isEmpty {
                diagnostics.error(SourceLocation(file: fileName, line: 1, column: 1),
                                  "the spec is empty: it needs at least 'name' and 'stages'")
            }
            throw diagnostics.errors()
        }
        let (root, overridden) = Overrides.apply(overrides, to: parsed, diagnostics: &diagnostics)
        var reader = SpecReader(fileName: fileName, registry: registry, diagnostics: diagnostics)
        let spec = reader.read(root, overriddenParams: overridden)
        diagnostics = reader.diagnostics
        guard let spec else { throw diagnostics.errors() }
        let graph = GraphBuilder.build(spec, specDirectory: specDirectory, diagnostics: &diagnostics)
        guard let graph, diagnostics.isEmpty else { throw diagnostics.errors() }
        return graph
    }

    /// `bytes`: the size when known (not for a pipe).
    private static func tooLarge(bytes: Int?, fileName: String) -> SpecDiagnostic {
        SpecDiagnostic(location: SourceLocation(file: fileName, line: 1, column: 1),
                       message: bytes.map { "the spec is \($0) bytes, more than the limit of \(SpecLimits.maxSpecBytes) bytes (10 MiB)" }
                           ?? "the spec is longer than the limit of \(SpecLimits.maxSpecBytes) bytes (10 MiB)")
    }
}
