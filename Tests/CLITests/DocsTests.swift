import Foundation
import Testing
@testable import LemaCLI

/// docs/spec.md must describe every key of every stage kind, with its default, exactly as the code declares them.
@Suite struct DocsTests {
    static let specDoc = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/spec.md").standardizedFileURL

    @Test(arguments: KindCatalog.registry.names)
    func specReferenceDocumentsKind(_ name: String) throws {
        let doc = try String(contentsOf: Self.specDoc, encoding: .utf8)
        let kind = try #require(KindCatalog.registry[name])
        let section = KindDescription.render(kind, markdown: true)
        let documented = doc.contains(section)  // (not inlined: the expectation would print the whole file)
        #expect(documented, "docs/spec.md is out of date for kind '\(name)': regenerate with `lema kinds \(name) --markdown`")
    }
}
