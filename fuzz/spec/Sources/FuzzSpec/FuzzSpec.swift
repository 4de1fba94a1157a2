import Engine
import Foundation
import LemaCore

/// libFuzzer entry point: the input is a spec file, compiled the way `lema graph` compiles one (then rendered in
/// every format). Leading `#set KEY=VALUE` comment lines are also passed as `--set` overrides, so the fuzzer
/// reaches Overrides.swift too. Crashes, hangs (libFuzzer's -timeout) and memory blow-ups (-rss_limit_mb) are the
/// findings; the checks below turn silent misbehaviour into crashes as well.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSpecOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // `lema graph` reads the file as UTF-8 and refuses anything else before the compiler sees it.
    guard let text = String(validating: UnsafeBufferPointer(start: data, count: size), as: UTF8.self) else { return 0 }
    let overrides = text.split(separator: "\n", omittingEmptySubsequences: false)
        .prefix { $0.hasPrefix("#set ") }.map { String($0.dropFirst(5)) }
    switch compile(text, overrides: overrides) {
    case .success(let graph):
        for format in GraphFormat.allCases { _ = GraphRenderer.render(graph, format: format) }
        // Same spec, same graph: fingerprints must not depend on anything but the input.
        guard case .success(let again) = compile(text, overrides: overrides),
              again.nodes.map(\.id) == graph.nodes.map(\.id) else {
            fatalError("compiling the same spec twice gave different graphs")
        }
    case .failure(let errors):
        if errors.diagnostics.isEmpty { fatalError("a refused spec must say why") }
        for d in errors.diagnostics where d.message.utf8.count > 4096 {
            fatalError("diagnostic of \(d.message.utf8.count) bytes: user text must be shortened in messages")
        }
    }
    return 0
}

private func compile(_ text: String, overrides: [String]) -> Result<Graph, SpecErrors> {
    do {
        return .success(try PipelineCompiler.compile(text: text, fileName: "fuzz.yaml",
                                                     specDirectory: URL(fileURLWithPath: "/tmp"),
                                                     overrides: overrides, registry: DocumentedKinds.registry))
    } catch let errors as SpecErrors {
        return .failure(errors)
    } catch {
        fatalError("PipelineCompiler threw something other than SpecErrors: \(error)")
    }
}
