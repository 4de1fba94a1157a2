import CYAML
import Foundation

/// Builds a `YAMLNode` tree from libyaml's event stream: anchors and aliases resolved, merge keys (`<<`) applied,
/// duplicate keys reported, every node marked with its 1-based line and column.
struct YAMLParser {
    /// Maps libyaml's 0-based (line, column) to a location; lets `--set` values report positions in the argument.
    var locate: @Sendable (Int, Int) -> SourceLocation
    /// Alias expansion beyond this many nodes is refused (protects against "billion laughs" documents).
    var maxWeight = SpecLimits.maxNodes

    init(fileName: String) {
        locate = { line, column in SourceLocation(file: fileName, line: line + 1, column: column + 1) }
    }

    init(locate: @escaping @Sendable (Int, Int) -> SourceLocation) {
        self.locate = locate
    }

    /// Parses one YAML document. Returns nil when the text holds no document. Problems are appended to `diagnostics`;
    /// a syntax error stops parsing and returns nil.
    func parse(_ text: String, diagnostics: inout DiagnosticCollector) -> YAMLNode? {
        var bytes = Array(text.utf8)
        bytes.append(0)  // keeps baseAddress non-nil for empty input; not part of the parsed length
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            diagnostics.error(nil, "could not initialise the YAML parser (out of memory?)")
            return nil
        }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeBufferPointer { buffer -> YAMLNode? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count - 1)
            var builder = TreeBuilder(locate: locate, maxWeight: maxWeight)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    diagnostics.error(syntaxErrorLocation(parser), syntaxErrorMessage(parser))
                    return nil
                }
                let done = builder.handle(event, diagnostics: &diagnostics)
                yaml_event_delete(&event)
                if done { break }
            }
            return builder.failed ? nil : builder.root
        }
    }

    private func syntaxErrorLocation(_ parser: yaml_parser_t) -> SourceLocation {
        locate(Int(parser.problem_mark.line), Int(parser.problem_mark.column))
    }

    private func syntaxErrorMessage(_ parser: yaml_parser_t) -> String {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
        var message = "invalid YAML: \(problem)"
        if let context = parser.context.map({ String(cString: $0) }) {
            let mark = locate(Int(parser.context_mark.line), Int(parser.context_mark.column))
            message += " (\(context) at line \(mark.line), column \(mark.column))"
        }
        return message
    }
}

/// Event-by-event construction state.
private struct TreeBuilder {
    let locate: @Sendable (Int, Int) -> SourceLocation
    let maxWeight: Int
    var anchors: [String: YAMLNode] = [:]
    var stack: [Frame] = []
    var root: YAMLNode?
    var documents = 0
    var failed = false
    /// Nodes made so far, an alias counting as the nodes it stands for. This also bounds the work of merge keys:
    /// `<<: [*a, *a, …]` counts every source in full although the merged mapping keeps each key once.
    var total = 0

    init(locate: @escaping @Sendable (Int, Int) -> SourceLocation, maxWeight: Int) {
        self.locate = locate
        self.maxWeight = maxWeight
    }

    /// Frames are classes so appending to a collection under construction never copies it (a value-type
    /// frame popped, modified and pushed back would copy its array on every child: quadratic in width).
    enum Frame {
        case sequence(SequenceFrame)
        case mapping(MappingFrame)
    }

    final class SequenceFrame {
        let location: SourceLocation
        let anchor: String?
        var items: [YAMLNode] = []
        init(location: SourceLocation, anchor: String?) {
            self.location = location
            self.anchor = anchor
        }
    }

    /// What the value after a key is for: an entry, merge sources (`<<`), or nothing (the key was invalid).
    enum KeyRole { case entry, merge, discard }

    final class MappingFrame {
        let location: SourceLocation
        let anchor: String?
        var pairs: [YAMLPair] = []
        /// Key → location, built only once a mapping is big enough that scanning `pairs` would be slow.
        var index: [String: SourceLocation]?
        var pendingKey: (text: String, location: SourceLocation, role: KeyRole)?
        var merges: [YAMLNode] = []
        init(location: SourceLocation, anchor: String?) {
            self.location = location
            self.anchor = anchor
        }

        func location(of key: String) -> SourceLocation? {
            if let index { return index[key] }
            return pairs.first { $0.key == key }?.keyLocation
        }

        func append(_ pair: YAMLPair) {
            pairs.append(pair)
            if index != nil {
                index?[pair.key] = pair.keyLocation
            } else if pairs.count == 16 {
                index = Dictionary(pairs.map { ($0.key, $0.keyLocation) }, uniquingKeysWith: { a, _ in a })
            }
        }
    }

    /// Returns true at the end of the stream or on a fatal problem.
    mutating func handle(_ event: yaml_event_t, diagnostics: inout DiagnosticCollector) -> Bool {
        let mark = locate(Int(event.start_mark.line), Int(event.start_mark.column))
        switch event.type {
        case YAML_STREAM_END_EVENT:
            return true
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                diagnostics.error(mark, "a spec must be a single YAML document; remove this '---' and what follows")
                failed = true
                return true
            }
        case YAML_ALIAS_EVENT:
            let name = string(event.data.alias.anchor)
            guard let node = anchors[name] else {
                diagnostics.error(mark, "unknown alias '*\(SpecLimits.shown(name))': define the anchor '&\(SpecLimits.shown(name))' before using it")
                failed = true
                return true
            }
            if stack.count + node.depth > SpecLimits.maxDepth {
                diagnostics.error(mark, "lists and mappings nested more than \(SpecLimits.maxDepth) levels deep (the limit), counting what '*\(SpecLimits.shown(name))' stands for")
                failed = true
                return true
            }
            return complete(node, aliasAt: mark, diagnostics: &diagnostics)
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            if s.length > SpecLimits.maxScalarBytes {
                diagnostics.error(mark, "a value of \(s.length) bytes is longer than the limit of \(SpecLimits.maxScalarBytes) bytes")
                failed = true
                return true
            }
            let text = String(decoding: UnsafeBufferPointer(start: s.value, count: Int(s.length)), as: UTF8.self)
            let style: YAMLScalar.Style = switch s.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: .literal
            case YAML_FOLDED_SCALAR_STYLE: .folded
            default: .plain
            }
            let node = YAMLNode(.scalar(YAMLScalar(text, style: style, tag: optionalString(s.tag))), at: mark)
            if let anchor = optionalString(s.anchor) { anchors[anchor] = node }
            return complete(node, diagnostics: &diagnostics)
        case YAML_SEQUENCE_START_EVENT where stack.count >= SpecLimits.maxDepth,
             YAML_MAPPING_START_EVENT where stack.count >= SpecLimits.maxDepth:
            // Stopping here also stops libyaml, whose scanner slows down with every level (see SpecLimits).
            diagnostics.error(mark, "lists and mappings nested more than \(SpecLimits.maxDepth) levels deep (the limit)")
            failed = true
            return true
        case YAML_SEQUENCE_START_EVENT:
            stack.append(.sequence(SequenceFrame(location: mark, anchor: optionalString(event.data.sequence_start.anchor))))
        case YAML_MAPPING_START_EVENT:
            stack.append(.mapping(MappingFrame(location: mark, anchor: optionalString(event.data.mapping_start.anchor))))
        case YAML_SEQUENCE_END_EVENT:
            guard case .sequence(let frame)? = stack.popLast() else { return fail(mark, &diagnostics) }
            let node = YAMLNode(.sequence(frame.items), at: frame.location)
            if let anchor = frame.anchor { anchors[anchor] = node }
            return complete(node, diagnostics: &diagnostics)
        case YAML_MAPPING_END_EVENT:
            guard case .mapping(let frame)? = stack.popLast() else { return fail(mark, &diagnostics) }
            let node = YAMLNode(.mapping(applyMerges(frame)), at: frame.location)
            if let anchor = frame.anchor { anchors[anchor] = node }
            return complete(node, diagnostics: &diagnostics)
        default:
            break
        }
        return false
    }

    private mutating func fail(_ mark: SourceLocation, _ diagnostics: inout DiagnosticCollector) -> Bool {
        diagnostics.error(mark, "invalid YAML: unbalanced structure")
        failed = true
        return true
    }

    /// Adds a finished node to its parent (or makes it the root).
    /// `aliasAt`: where the alias was written when `node` is what an alias stands for.
    private mutating func complete(_ node: YAMLNode, aliasAt: SourceLocation? = nil,
                                   diagnostics: inout DiagnosticCollector) -> Bool {
        // A collection's children (keys included) were counted as they completed.
        total &+= aliasAt != nil ? node.weight : 1
        if total > maxWeight || node.weight > maxWeight {
            diagnostics.error(aliasAt ?? node.location,
                              "document too large: more than \(maxWeight) nodes (the limit), counting what aliases stand for")
            failed = true
            return true
        }
        guard let top = stack.last else {
            root = node
            return false
        }
        switch top {
        case .sequence(let frame):
            frame.items.append(node)
        case .mapping(let frame):
            if let key = frame.pendingKey {
                frame.pendingKey = nil
                if key.role == .discard {
                    // The key was already reported; drop its value.
                } else if key.role == .merge {
                    mergeSources(node, into: frame, diagnostics: &diagnostics)
                } else if let first = frame.location(of: key.text) {
                    diagnostics.error(key.location,
                                      "duplicate key '\(SpecLimits.shown(key.text))' (first defined at line \(first.line), column \(first.column))")
                } else {
                    frame.append(YAMLPair(key: key.text, keyLocation: key.location, value: node))
                }
            } else if let scalar = node.scalar {
                let isMerge = scalar.style == .plain && scalar.tag == nil && scalar.text == "<<"
                frame.pendingKey = (scalar.text, node.location, isMerge ? .merge : .entry)
            } else {
                diagnostics.error(node.location, "mapping keys must be scalars, got \(node.shortDescription)")
                frame.pendingKey = ("", node.location, .discard)
            }
        }
        return false
    }

    /// `<<: *a` or `<<: [*a, *b]`: the mappings whose keys fill in what the mapping does not set itself.
    private func mergeSources(_ node: YAMLNode, into frame: MappingFrame, diagnostics: inout DiagnosticCollector) {
        switch node.content {
        case .mapping: frame.merges.append(node)
        case .sequence(let items):
            for item in items {
                if item.mapping != nil { frame.merges.append(item) }
                else { diagnostics.error(item.location, "merge key '<<' takes mappings, got \(item.shortDescription)") }
            }
        case .scalar:
            diagnostics.error(node.location, "merge key '<<' takes a mapping or a list of mappings, got \(node.shortDescription)")
        }
    }

    /// Explicit keys win; among merged mappings the earlier one wins (YAML merge-key semantics).
    private func applyMerges(_ frame: MappingFrame) -> [YAMLPair] {
        guard !frame.merges.isEmpty else { return frame.pairs }
        var pairs = frame.pairs
        var present = Set(frame.pairs.map(\.key))
        for source in frame.merges {
            for pair in source.mapping ?? [] where present.insert(pair.key).inserted { pairs.append(pair) }
        }
        return pairs
    }

    private func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String {
        optionalString(p) ?? ""
    }

    private func optionalString(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let p else { return nil }
        return String(cString: p)
    }
}
