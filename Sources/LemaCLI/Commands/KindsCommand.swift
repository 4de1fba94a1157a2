import ArgumentParser
import Engine
import StageAPI

/// `lema kinds [KIND]`: the stage kinds and their parameters with defaults (the source of docs/spec.md's tables).
struct KindsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kinds", abstract: "List stage kinds, or one kind's parameters with types and defaults.")

    @Argument(help: "A kind to describe.")
    var kind: String?

    @Flag(help: "Print markdown tables (used to write docs/spec.md).")
    var markdown = false

    func run() throws {
        let registry = KindCatalog.registry
        guard let kind else {
            for name in registry.names { print("\(name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(registry[name]?.summary ?? "")") }
            return
        }
        guard let found = registry[kind] else {
            throw CLIError(message: "unknown stage kind '\(kind)'\(Suggestions.hint(for: kind, in: registry.names)) "
                + "(kinds: \(registry.names.joined(separator: ", ")))")
        }
        print(KindDescription.render(found, markdown: markdown))
    }
}

/// Text or markdown description of a kind's parameters.
enum KindDescription {
    static func render(_ kind: any StageKind, markdown: Bool) -> String {
        var lines: [String] = []
        if markdown {
            lines.append("### `\(kind.name)` (version \(kind.version))\n\n\(kind.summary)" + replicates(kind) + "\n")
            lines.append("| key | type | default | meaning |")
            lines.append("| --- | --- | --- | --- |")
            for p in kind.parameters {
                let def = p.defaultValue.map { "`\($0.canonicalText)`" } ?? "required"
                lines.append("| `\(p.name)` | \(p.type) | \(def) | \(p.doc) |")
            }
        } else {
            lines.append("\(kind.name) (version \(kind.version)): \(kind.summary)" + replicates(kind))
            for p in kind.parameters {
                let def = p.defaultValue.map { "default \($0.canonicalText)" } ?? "required"
                lines.append("  \(p.name): \(p.type); \(def)\n      \(p.doc)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// What `replicates:` does to the kind's nodes (said only for reseeded kinds; the rest are shared).
    static func replicates(_ kind: any StageKind) -> String {
        kind.reseededByReplicates ? " Reseeded per replicate (`replicates:`): one node per seed." : ""
    }
}
