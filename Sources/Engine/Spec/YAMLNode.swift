import Foundation
import LemaCore

/// A YAML node after anchors, aliases and merge keys are resolved, with the place it was written.
/// Mappings keep their keys in the order written.
struct YAMLNode: Sendable {
    indirect enum Content: Sendable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }

    var content: Content
    var location: SourceLocation
    /// Nodes in this subtree counting every alias expansion; guards against alias bombs.
    var weight: Int
    /// Lists and mappings nested in this subtree (0 for a scalar) counting alias expansions: aliases inside
    /// anchored collections would otherwise compound nesting past `SpecLimits.maxDepth`.
    var depth: Int

    init(_ content: Content, at location: SourceLocation) {
        self.content = content
        self.location = location
        switch content {
        case .scalar:
            weight = 1
            depth = 0
        case .sequence(let items):
            weight = items.reduce(1) { $0 &+ $1.weight }
            depth = 1 + items.reduce(0) { max($0, $1.depth) }
        case .mapping(let pairs):
            weight = pairs.reduce(1) { $0 &+ $1.value.weight &+ 1 }
            depth = 1 + pairs.reduce(0) { max($0, $1.value.depth) }
        }
    }

    var scalar: YAMLScalar? { if case .scalar(let s) = content { s } else { nil } }
    var sequence: [YAMLNode]? { if case .sequence(let s) = content { s } else { nil } }
    var mapping: [YAMLPair]? { if case .mapping(let m) = content { m } else { nil } }

    /// The value of a key in a mapping node (linear; mappings read by the compiler are small or walked once).
    subscript(key: String) -> YAMLPair? { mapping?.first { $0.key == key } }

    /// "a list", "a mapping" or the scalar quoted as written (long ones shortened) — for "expected X, got Y" messages.
    var shortDescription: String {
        switch content {
        case .scalar(let s): s.isNull ? "null" : "'\(SpecLimits.shown(s.text))'"
        case .sequence(let items): items.isEmpty ? "an empty list" : "a list"
        case .mapping(let pairs): pairs.isEmpty ? "an empty mapping" : "a mapping"
        }
    }
}

/// A scalar as written: its text, quoting style and explicit tag (if any).
struct YAMLScalar: Sendable, Hashable {
    enum Style: Sendable, Hashable { case plain, singleQuoted, doubleQuoted, literal, folded }
    var text: String
    var style: Style
    /// Full tag (e.g. `tag:yaml.org,2002:str`) or `!`; nil when untagged.
    var tag: String?

    init(_ text: String, style: Style = .plain, tag: String? = nil) {
        self.text = text
        self.style = style
        self.tag = tag
    }

    /// True for the untagged plain scalars YAML 1.2 reads as null.
    var isNull: Bool { tag == nil && style == .plain && Self.nullWords.contains(text) }

    static let nullWords: Set<String> = ["", "~", "null", "Null", "NULL"]
}

/// One entry of a mapping: the key text, where the key was written, and the value.
struct YAMLPair: Sendable {
    var key: String
    var keyLocation: SourceLocation
    var value: YAMLNode
}
