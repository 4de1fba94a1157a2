import Foundation
import LemaCore
import StageAPI

/// A stage's settings for one variant: parameters with defaults applied and interpolation done, plus engine keys.
struct ResolvedStage {
    var params: [String: JSONValue]
    /// Canonical JSON of `params` (what the fingerprint hashes).
    var paramsText: String
    var retries: Int
    var timeout: Double?
    var threads: Int
    /// Executor and resources: operational, not in `paramsText`.
    var execution = NodeExecution()
}

/// Resolves stages for variants, caching by the values of the parameters each stage actually reads: a sweep over
/// a parameter only one stage uses re-resolves only that stage.
struct StageResolver {
    var checker = ParameterChecker(diagnostics: DiagnosticCollector())
    /// The top-level `executor:`, which stages inherit.
    var runExecutor = ExecutorSpec()
    /// Every distinct resolution, addressed by the id `resolve` returns.
    private(set) var resolutions: [ResolvedStage] = []
    /// Per stage: cache key → resolution id (nil: the stage does not resolve for those values).
    private var cache: [[String: Int?]]
    /// Nodes of stage values resolved so far (counted against `SpecLimits.maxExpansionSteps`).
    private(set) var resolvedWeight = 0

    init(stageCount: Int) {
        cache = Array(repeating: [:], count: stageCount)
    }

    var diagnostics: DiagnosticCollector { checker.diagnostics }

    /// Key under which a stage's resolution is cached for a variant: the values of the parameters it reads.
    static func cacheKey(_ stage: StageSpec, values: [String: JSONValue]) -> String {
        var key = ""
        for name in stage.usedParams {
            CanonicalJSON.write(values[name] ?? .null, into: &key)
            key += "\u{1F}"
        }
        return key
    }

    /// The id of the stage's resolution for these parameter values (equal ids ⇔ equal resolution), or nil after
    /// reporting why it does not resolve.
    mutating func resolve(_ stage: StageSpec, values: [String: JSONValue]) -> Int? {
        if stage.unresolvable { return nil }
        let key = Self.cacheKey(stage, values: values)
        if let cached = cache[stage.index][key] { return cached }
        var id: Int?
        resolvedWeight &+= stage.weight
        if let resolved = compute(stage, values: values) {
            id = resolutions.count
            resolutions.append(resolved)
        }
        cache[stage.index][key] = id
        return id
    }

    private mutating func compute(_ stage: StageSpec, values: [String: JSONValue]) -> ResolvedStage? {
        let interpolate = !stage.usedParams.isEmpty
        func value(_ pair: YAMLPair) -> YAMLNode { interpolate ? Interpolation.apply(pair.value, values: values) : pair.value }
        var params: [String: JSONValue] = [:]
        var ok = true
        var written = Set<String>()
        for entry in stage.entries {
            written.insert(entry.parameter.name)
            let nullable = entry.parameter.defaultValue?.isNull ?? false
            if let v = checker.check(value(entry.pair), entry.parameter.type, path: entry.parameter.name, nullable: nullable) {
                params[entry.parameter.name] = v
            } else {
                ok = false
            }
        }
        for parameter in stage.parameters where !written.contains(parameter.name) {
            guard let d = parameter.defaultValue else { ok = false; continue }  // reported by the reader
            // Defaults go through the same normalisation as written values so both fingerprint alike.
            if case .double = parameter.type, case .int(let i) = d { params[parameter.name] = .double(Double(i)) }
            else { params[parameter.name] = d }
        }
        var retries = 0, threads = 1
        var timeout: Double?
        if let pair = stage.retries {
            if let r = engineInt(value(pair), key: EngineKeys.retries, minimum: 0) { retries = r } else { ok = false }
        }
        if let pair = stage.threads {
            if let t = engineInt(value(pair), key: EngineKeys.threads, minimum: 1) { threads = t } else { ok = false }
        }
        if let pair = stage.timeout {
            if let t = duration(value(pair)) { timeout = t } else { ok = false }
        }
        let execution = self.execution(of: stage, threads: threads, value: value)
        guard ok, let execution else { return nil }
        for problem in stage.kind.validate(params) {
            let at = stage.entries.first { $0.parameter.name == problem.parameter }?.pair.value.location ?? stage.location
            checker.diagnostics.error(at, "invalid '\(problem.parameter)' in stage '\(stage.name)': \(SpecLimits.shown(problem.message, limit: 400))")
            ok = false
        }
        guard ok else { return nil }
        return ResolvedStage(params: params, paramsText: CanonicalJSON.text(.object(stage.kind.fingerprinted(params))),
                             retries: retries, timeout: timeout, threads: threads, execution: execution)
    }

    private mutating func engineInt(_ node: YAMLNode, key: String, minimum: Int) -> Int? {
        if let s = node.scalar, case .success(.int(let i)) = YAMLScalarResolver.resolve(s), i >= minimum, i <= 1_000_000 {
            return Int(i)
        }
        checker.diagnostics.error(node.location, "expected an integer ≥ \(minimum) for '\(key)', got \(node.shortDescription)")
        return nil
    }

    /// Seconds as a number, or a duration such as `90s`, `10m`, `2h`, `1h30m`, `500ms`, `1d`.
    private mutating func duration(_ node: YAMLNode) -> Double? {
        if let s = node.scalar, let seconds = Self.parseDuration(s), seconds > 0 { return seconds }
        checker.diagnostics.error(node.location,
                                  "expected a positive duration for 'timeout' (seconds, or like '90s', '10m', '2h'), got \(node.shortDescription)")
        return nil
    }

    static func parseDuration(_ scalar: YAMLScalar) -> Double? {
        if case .success(let v) = YAMLScalarResolver.resolve(scalar), let d = v.doubleValue { return d }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        var rest = Substring(scalar.text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { return nil }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let n = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.0) && !(($0.0 == "m") && rest.hasPrefix("ms")) }) else { return nil }
            rest = rest.dropFirst(unit.0.count)
            total += n * unit.1
        }
        return total
    }
}
