import Engine
import Foundation
import StageAPI
import Stages

/// `lema-bench spec [--mb N] [--only NAME]`: compiles hostile specs of about N MB (default 10) and prints, for each,
/// whether it was accepted or refused, its first diagnostic and the best of three compile times. The bar
/// (docs/spec.md, "Limits") is under one second for any spec up to 10 MB in the release build.
enum HostileSpecBench {
    static func main(_ args: [String]) throws {
        var megabytes = 10.0
        var only: String?
        var i = 0
        while i < args.count {
            switch args[i] {
            case "--mb":
                i += 1
                guard i < args.count, let mb = Double(args[i]), mb > 0 else { throw BenchUsage("--mb needs a size in MB") }
                megabytes = mb
            case "--only":
                i += 1
                guard i < args.count else { throw BenchUsage("--only needs a case name") }
                only = args[i]
            default: throw BenchUsage("unknown option '\(args[i])' (use --mb N --only NAME)")
            }
            i += 1
        }
        let bytes = Int(megabytes * 1_000_000)
        let registry = KindRegistry(GenericKinds.all)
        print("lema-bench spec: hostile specs of about \(megabytes) MB (best of 3 compiles each)")
        var worst = 0.0
        for (name, make) in cases(bytes: bytes) where only == nil || only == name {
            let text = make()
            var best = Double.infinity
            var outcome = ""
            for _ in 0..<3 {
                let start = DispatchTime.now().uptimeNanoseconds
                do {
                    let graph = try PipelineCompiler.compile(text: text, fileName: "\(name).yaml",
                                                             specDirectory: URL(fileURLWithPath: "/tmp"),
                                                             overrides: [], registry: registry)
                    outcome = "accepted: \(graph.nodes.count) nodes, \(graph.variants.count) variants"
                } catch let errors as SpecErrors {
                    let first = errors.diagnostics.first.map { String($0.description.prefix(110)) } ?? ""
                    outcome = "refused (\(errors.diagnostics.count) errors): \(first)"
                }
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            worst = max(worst, best)
            print(String(format: "  %-22@ %6.2f MB %7.3f s  %@", name, Double(text.utf8.count) / 1e6, best, outcome))
        }
        print(String(format: "  slowest: %.3f s", worst))
    }

    /// Name → generator of a spec of about `bytes` bytes (some are smaller: they cross their limit sooner).
    static func cases(bytes: Int) -> [(String, () -> String)] {
        let head = "name: hostile\nstages:\n  g: {kind: noop}\n"
        func repeated(_ unit: String, _ prefix: String = head) -> String {
            prefix + String(repeating: unit, count: max(1, (bytes - prefix.utf8.count) / unit.utf8.count))
        }
        return [
            ("deep-flow", { repeated("[", head + "x-deep: ") }),
            ("deep-block", { repeated("- ", head + "x-deep:\n  ") }),
            ("deep-alias", {
                var text = head + "x-0: &a0 " + String(repeating: "[", count: 200) + "1" + String(repeating: "]", count: 200) + "\n"
                for k in 1..<max(2, bytes / 2000) {
                    text += "x-\(k): &a\(k) " + String(repeating: "[", count: 200) + "*a\(k - 1)" + String(repeating: "]", count: 200) + "\n"
                }
                return text
            }),
            ("alias-bomb", {
                var text = head + "x-0: &a0 [" + Array(repeating: "x", count: 10).joined(separator: ",") + "]\n"
                for k in 1..<30 { text += "x-\(k): &a\(k) [" + Array(repeating: "*a\(k - 1)", count: 10).joined(separator: ",") + "]\n" }
                return text
            }),
            ("merge-bomb", {
                let source = "x-a: &a {" + (0..<1000).map { "k\($0): 1" }.joined(separator: ", ") + "}\n"
                return repeated("  - {<<: [" + Array(repeating: "*a", count: 100).joined(separator: ",") + "]}\n",
                                head + source + "x-m:\n")
            }),
            ("long-scalar", { repeated("x", head + "x-long: ") }),
            ("long-interpolations", {
                let value = String(repeating: "$x${params.p}$${", count: 60_000)
                var text = "name: hostile\nparams: {p: 1}\nstages:\n"
                for k in 0..<max(1, bytes / value.utf8.count) { text += "  s\(k): {kind: command, argv: [\"\(value)\"]}\n" }
                return text
            }),
            ("many-keys", {
                var text = head
                var k = 0
                while text.utf8.count < bytes { text += "x-k\(k): 1\n"; k += 1 }
                return text
            }),
            ("many-stages", {
                var text = "name: hostile\nstages:\n  s0: {kind: noop}\n"
                for k in 1..<SpecLimits.maxStages { text += "  s\(k): {kind: noop, inputs: [s\(k - 1)]}\n" }
                return text
            }),
            ("too-many-stages", {
                var text = "name: hostile\nstages:\n"
                var k = 0
                while text.utf8.count < bytes { text += "  s\(k): {kind: noop}\n"; k += 1 }
                return text
            }),
            ("unknown-keys", {
                var text = head
                var k = 0
                while text.utf8.count < bytes { text += "stagez\(k % 10): 1\n"; k += 1 }
                return text.replacingOccurrences(of: "stagez", with: "stage")
            }),
            ("bad-references", {
                var text = "name: hostile\nstages:\n"
                for k in 0..<20_000 { text += "  stage\(100_000 + k): {kind: noop}\n" }
                text += "  bad: {kind: noop, inputs: ["
                var k = 0
                while text.utf8.count < bytes { text += "stage\(200_000 + k), "; k += 1 }
                return text + "g]}\n"
            }),
            ("cycle-downstream", {
                var text = "name: hostile\nstages:\n  a: {kind: noop, inputs: [b]}\n  b: {kind: noop, inputs: [a]}\n  c0: {kind: noop, inputs: [a]}\n"
                for k in 1..<(SpecLimits.maxStages - 3) { text += "  c\(k): {kind: noop, inputs: [c\(k - 1)]}\n" }
                return text
            }),
            ("grid-explosion", {
                "name: hostile\nparams: {a: 1, b: 1}\nsweep:\n  grid:\n    a: \(Array(0..<100_000))\n    b: \(Array(0..<100_000))\n" + head.dropFirst(14)
            }),
            ("sweep-at-budget", {
                // 1,000 variants × 3,990 stages that read the swept value: over the expansion limit.
                var text = "name: hostile\nparams: {p: 0}\nsweep:\n  grid:\n    p: \(Array(0..<1000))\nstages:\n"
                for k in 0..<3990 { text += "  s\(k): {kind: command, argv: [\"echo\", \"${params.p}\"]}\n" }
                return text
            }),
            ("sweep-pairs", {
                // Many (variant, stage) pairs, few nodes: the stages do not read the swept value.
                var text = "name: hostile\nparams: {p: 0}\nsweep:\n  grid:\n    p: \(Array(0..<1000))\nstages:\n"
                for k in 0..<min(SpecLimits.maxStages, SpecLimits.maxExpansionSteps / 1000 - 30) { text += "  s\(k): {kind: noop}\n" }
                return text
            }),
            ("sweep-nodes", {
                // One node per (variant, stage) pair, up to the graph's node limit.
                let stages = 50
                var text = "name: hostile\nparams: {p: 0}\nsweep:\n  grid:\n    p: \(Array(0..<(SpecLimits.maxGraphNodes / stages)))\nstages:\n"
                for k in 0..<stages { text += "  s\(k): {kind: command, argv: [\"echo\", \"${params.p}\"]}\n" }
                return text
            }),
            ("many-references", {
                var text = "name: hostile\nstages:\n  s: {kind: noop}\n  t: {kind: noop, inputs: ["
                text += String(repeating: "s, ", count: SpecLimits.maxNodes - 100)
                return text + "s]}\n"
            }),
            ("sweep-big-values", {
                let big = "[" + Array(repeating: "1", count: 200_000).joined(separator: ",") + "]"
                var text = "name: hostile\nparams: {p: 0}\nsweep:\n  variants:\n"
                for k in 0..<20 { text += "    - {name: v\(k), p: \(big)}\n" }
                return text + "stages:\n" + (0..<100).map { "  s\($0): {kind: command, argv: [\"echo\"], env: {X: \"${params.p}\"}}\n" }.joined()
            }),
        ]
    }
}
