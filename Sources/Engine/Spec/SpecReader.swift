import LemaCore
import StageAPI

/// A kind's parameter list and the same by name.
struct KindInfo {
    var parameters: [ParameterSpec]
    var byName: [String: ParameterSpec]
}

/// Reads the top level of a spec tree into a `PipelineSpec`, collecting every structural problem.
/// Stage definitions are read in `SpecReader+Stages.swift`, sweeps in `SpecReader+Sweep.swift`.
struct SpecReader {
    let fileName: String
    let registry: KindRegistry
    var diagnostics: DiagnosticCollector
    /// Parameters by kind name, filled as kinds are met.
    var kinds: [String: KindInfo] = [:]
    /// Where a sweep-expansion problem is reported: the `sweep:` key, or the start of the document.
    var sweepLocation: SourceLocation?

    static let topLevelKeys = ["name", "description", "seed", "replicates", "params", "sweep", "stages", "executor"]

    init(fileName: String, registry: KindRegistry, diagnostics: DiagnosticCollector) {
        self.fileName = fileName
        self.registry = registry
        self.diagnostics = diagnostics
    }

    /// The validated structure, or nil when a problem prevents building one (problems are in `diagnostics`).
    mutating func read(_ root: YAMLNode, overriddenParams: [String: SourceLocation]) -> PipelineSpec? {
        guard let pairs = root.mapping else {
            diagnostics.error(root.location,
                              "a spec must be a mapping with the keys name, stages and optionally seed, params, sweep; got \(root.shortDescription)")
            return nil
        }
        var name: String?
        var seed: UInt64 = 0
        var replicates = 1
        var params: [ParamDeclaration] = []
        var sweepPair: YAMLPair?
        var stagesPair: YAMLPair?
        var executor = ExecutorSpec()
        for pair in pairs {
            if diagnostics.isFull { break }  // refused anyway; reading on would only cost time
            switch pair.key {
            case "name": name = readName(pair)
            case "description":
                if pair.value.scalar == nil {
                    diagnostics.error(pair.value.location, "expected a string for 'description', got \(pair.value.shortDescription)")
                }
            case "seed": seed = readSeed(pair) ?? 0
            case "replicates": replicates = readReplicates(pair) ?? 1
            case "params": params = readParams(pair)
            case "sweep": sweepPair = pair
            case "stages": stagesPair = pair
            case "executor": executor = ExecutorReader.executor(pair.value, stage: nil, diagnostics: &diagnostics) ?? executor
            default:
                // `x-…` keys are ignored: a place to define YAML anchors (as in docker-compose).
                if pair.key.hasPrefix("x-") { continue }
                diagnostics.error(pair.keyLocation, Self.unknownTopLevelKey(pair.key))
            }
        }
        let start = SourceLocation(file: fileName, line: root.location.line, column: root.location.column)
        sweepLocation = sweepPair?.keyLocation ?? start
        if name == nil, !pairs.contains(where: { $0.key == "name" }) {
            diagnostics.error(start, "missing required key 'name' (the pipeline's name, e.g. name: lema-mini)")
        }
        var paramIndex: [String: Int] = [:]
        for (i, p) in params.enumerated() { paramIndex[p.name] = i }

        var stages: [StageSpec] = []
        var stageIndex: [String: Int] = [:]
        if let stagesPair {
            (stages, stageIndex) = readStages(stagesPair, paramIndex: paramIndex)
        } else {
            diagnostics.error(start, "missing required key 'stages' (a mapping from stage name to its definition)")
        }
        var variants = readSweep(sweepPair, params: params, paramIndex: paramIndex, overridden: overriddenParams)
        if replicates > 1 {
            variants = replicated(variants, count: replicates, seed: seed,
                                  at: pairs.first { $0.key == "replicates" }?.keyLocation ?? start)
        }
        guard let name, stagesPair != nil else { return nil }
        return PipelineSpec(name: name, seed: seed, params: params, paramIndex: paramIndex, variants: variants,
                            stages: stages, stageIndex: stageIndex, sweepLocation: sweepLocation, executor: executor,
                            replicates: replicates)
    }

    static func unknownTopLevelKey(_ key: String) -> String {
        let hint = Suggestions.hint(for: key, in: topLevelKeys)
        return "unknown top-level key '\(SpecLimits.shown(key))'"
            + (hint.isEmpty ? " (allowed: \(topLevelKeys.joined(separator: ", ")), or x-… for anchors)" : hint)
    }

    /// The message for a name longer than `SpecLimits.maxNameLength`, or nil. `what` is e.g. "stage name",
    /// `use` says what the name becomes (why it is bounded).
    static func nameTooLong(_ what: String, _ name: String, use: String) -> String? {
        let length = name.unicodeScalars.count
        guard length > SpecLimits.maxNameLength else { return nil }
        return "\(what) '\(SpecLimits.shown(name, limit: 20))' is \(length) characters long, more than the limit of "
            + "\(SpecLimits.maxNameLength) (\(use))"
    }

    private mutating func readName(_ pair: YAMLPair) -> String? {
        guard let s = pair.value.scalar, !s.isNull else {
            diagnostics.error(pair.value.location, "expected a string for 'name', got \(pair.value.shortDescription)")
            return nil
        }
        let ok = !s.text.isEmpty && s.text.utf8.allSatisfy {
            Interpolation.isLetter($0) || Interpolation.isDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_")
                || $0 == UInt8(ascii: "-")
        }
        guard ok, s.text != ".", s.text != ".." else {
            diagnostics.error(pair.value.location,
                              "invalid pipeline name '\(SpecLimits.shown(s.text))': use letters, digits, '.', '_' and '-' (it names the runs/ directory)")
            return nil
        }
        if let message = Self.nameTooLong("pipeline name", s.text, use: "it names the directory runs/<name>/") {
            diagnostics.error(pair.value.location, message)
            return nil
        }
        return s.text
    }

    private mutating func readSeed(_ pair: YAMLPair) -> UInt64? {
        if let s = pair.value.scalar, case .success(.int(let i)) = YAMLScalarResolver.resolve(s), i >= 0 {
            return UInt64(i)
        }
        diagnostics.error(pair.value.location, "expected a non-negative integer for 'seed', got \(pair.value.shortDescription)")
        return nil
    }

    private mutating func readReplicates(_ pair: YAMLPair) -> Int? {
        if let s = pair.value.scalar, case .success(.int(let i)) = YAMLScalarResolver.resolve(s),
           i >= 1, i <= SpecLimits.maxReplicates {
            return Int(i)
        }
        diagnostics.error(pair.value.location, "expected an integer from 1 to \(SpecLimits.maxReplicates) for 'replicates' "
                          + "(how many seeds each variant runs with), got \(pair.value.shortDescription)")
        return nil
    }

    /// Each variant once per seed `seed`, `seed + 1`, …, named `<variant>,seed=N` (`seed=N` for the sweep-less
    /// `default`), replicates of one variant next to each other.
    private mutating func replicated(_ variants: [VariantSpec], count: Int, seed: UInt64,
                                     at location: SourceLocation) -> [VariantSpec] {
        guard variants.count.multipliedReportingOverflow(by: count).partialValue <= SpecLimits.maxVariants,
              !variants.count.multipliedReportingOverflow(by: count).overflow else {
            diagnostics.error(location, "\(variants.count) variants × \(count) replicates is more than the limit of "
                              + "\(SpecLimits.maxVariants) variants")
            return []
        }
        return variants.flatMap { variant in
            (0..<UInt64(count)).map { offset in
                var copy = variant
                let label = "seed=\(seed &+ offset)"
                copy.name = variant.name == "default" && variant.values.isEmpty ? label : variant.name + "," + label
                copy.replicate = (variant.name, offset)
                return copy
            }
        }
    }

    private mutating func readParams(_ pair: YAMLPair) -> [ParamDeclaration] {
        guard let entries = pair.value.mapping else {
            if !(pair.value.scalar?.isNull ?? false) {
                diagnostics.error(pair.value.location, "expected a mapping of parameter defaults for 'params', got \(pair.value.shortDescription)")
            }
            return []
        }
        var out: [ParamDeclaration] = []
        for entry in entries {
            if diagnostics.isFull { break }
            guard Interpolation.isParamName(Substring(entry.key)) else {
                diagnostics.error(entry.keyLocation,
                                  "invalid parameter name '\(SpecLimits.shown(entry.key))': use letters, digits, '_' and '-', starting with a letter or '_'")
                continue
            }
            if let message = Self.nameTooLong("parameter name", entry.key, use: "it is part of variant names") {
                diagnostics.error(entry.keyLocation, message)
                continue
            }
            var uses: [(String, SourceLocation)] = []
            _ = Interpolation.collectUses(entry.value, into: &uses, diagnostics: &diagnostics)
            if let use = uses.first {
                diagnostics.error(use.1, "parameter defaults cannot use ${params.…} interpolation (in '\(SpecLimits.shown(entry.key))')")
                continue
            }
            switch entry.value.jsonValue() {
            case .success(let value): out.append(ParamDeclaration(name: entry.key, value: value, location: entry.keyLocation))
            case .failure(let d): diagnostics.error(d.location, d.message)
            }
        }
        return out
    }
}
