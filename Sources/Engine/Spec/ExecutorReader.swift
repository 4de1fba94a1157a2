import LemaCore
import Slurm

/// `executor:` as written (top level or in a stage): only what was said.
struct ExecutorSpec {
    var kind: ExecutorKind?
    var partition: String?
    var account: String?
    var qos: String?
    var maxJobs: Int?
    var pollInterval: Double?
    var extraArgs: [String] = []

    /// The run-wide settings, defaults applied.
    var settings: ExecutorSettings {
        ExecutorSettings(kind: kind ?? .local, partition: partition, account: account, qos: qos,
                         maxJobs: maxJobs ?? ExecutorSettings.defaultMaxJobs,
                         pollInterval: pollInterval ?? ExecutorSettings.defaultPollInterval, extraArgs: extraArgs)
    }
}

/// Reads and validates `executor:` and `resources:` values, reporting every problem with its place and the fix.
enum ExecutorReader {
    static let topLevelKeys = ["kind", "partition", "account", "qos", "max_jobs", "poll_interval", "extra_args"]
    static let stageKeys = ["kind", "partition", "account", "qos", "extra_args"]
    static let resourceKeys = ["cpus", "mem", "gpus", "time", "partition", "account", "qos", "constraint", "extra_args"]
    /// sbatch options lema sets itself: a job's name, files and directory identify it to the controller.
    static let reservedOptions = ["--job-name", "-J", "--output", "-o", "--error", "-e", "--chdir", "-D", "--parsable",
                                  "--wrap", "--array", "-a", "--open-mode", "--requeue", "--no-requeue", "--signal"]

    /// `local`, `slurm`, or a mapping with those keys. `stage` is nil at the top level.
    static func executor(_ node: YAMLNode, stage: String?, diagnostics: inout DiagnosticCollector) -> ExecutorSpec? {
        let place = stage.map { " in stage '\($0)'" } ?? ""
        if let scalar = node.scalar, !scalar.isNull {
            guard let kind = kind(scalar.text, at: node.location, diagnostics: &diagnostics) else { return nil }
            return ExecutorSpec(kind: kind)
        }
        guard let pairs = node.mapping else {
            diagnostics.error(node.location, "expected 'local', 'slurm' or a mapping such as {kind: slurm, partition: gpu} "
                              + "for 'executor'\(place), got \(node.shortDescription)")
            return nil
        }
        let allowed = stage == nil ? topLevelKeys : stageKeys
        var spec = ExecutorSpec()
        var ok = true
        for pair in pairs {
            let v = pair.value
            switch pair.key {
            case "kind":
                guard let s = v.scalar, !s.isNull else {
                    expected("'local' or 'slurm'", pair, place, &diagnostics)
                    ok = false
                    continue
                }
                spec.kind = kind(s.text, at: v.location, diagnostics: &diagnostics)
                ok = ok && spec.kind != nil
            case "partition": spec.partition = name(pair, place, &diagnostics); ok = ok && spec.partition != nil
            case "account": spec.account = name(pair, place, &diagnostics); ok = ok && spec.account != nil
            case "qos": spec.qos = name(pair, place, &diagnostics); ok = ok && spec.qos != nil
            case "extra_args":
                if let args = extraArgs(pair, place, &diagnostics) { spec.extraArgs = args } else { ok = false }
            case "max_jobs" where stage == nil:
                spec.maxJobs = integer(pair, minimum: 1, place, &diagnostics); ok = ok && spec.maxJobs != nil
            case "poll_interval" where stage == nil:
                if let s = v.scalar, let d = StageResolver.parseDuration(s), d > 0 { spec.pollInterval = d } else {
                    expected("a positive duration (seconds, or like '500ms', '5s', '1m')", pair, place, &diagnostics)
                    ok = false
                }
            case "max_jobs", "poll_interval":
                diagnostics.error(pair.keyLocation, "'\(pair.key)' applies to the whole run: set it under the top-level 'executor'")
                ok = false
            default:
                diagnostics.error(pair.keyLocation, "unknown key '\(pair.key)' in 'executor'\(place)"
                                  + hint(pair.key, allowed))
                ok = false
            }
        }
        if stage == nil, spec.kind == nil, ok {
            diagnostics.error(node.location, "the top-level 'executor' mapping needs 'kind' (local or slurm)")
            ok = false
        }
        return ok ? spec : nil
    }

    /// `resources:` of a stage.
    static func resources(_ node: YAMLNode, stage: String, diagnostics: inout DiagnosticCollector) -> JobResources? {
        let place = " in stage '\(stage)'"
        guard let pairs = node.mapping else {
            diagnostics.error(node.location, "expected a mapping such as {cpus: 4, mem: 16G, gpus: 1, time: 2h} for "
                              + "'resources'\(place), got \(node.shortDescription)")
            return nil
        }
        var r = JobResources()
        var ok = true
        for pair in pairs {
            let v = pair.value
            switch pair.key {
            case "cpus": r.cpus = integer(pair, minimum: 1, place, &diagnostics); ok = ok && r.cpus != nil
            case "gpus": r.gpus = integer(pair, minimum: 0, place, &diagnostics); ok = ok && r.gpus != nil
            case "mem":
                if let s = v.scalar, !s.isNull, let mib = SlurmTime.mebibytes(s.text) { r.memoryMiB = mib } else {
                    expected("a memory size in MiB or with a unit (512M, 16G, 1T)", pair, place, &diagnostics)
                    ok = false
                }
            case "time":
                if let s = v.scalar, !s.isNull, let t = timeLimit(s), t > 0 { r.timeLimit = t } else {
                    expected("a positive time limit (seconds, '90m', '2h', '1d', or Slurm's '1-12:00:00')", pair, place,
                             &diagnostics)
                    ok = false
                }
            case "partition": r.partition = name(pair, place, &diagnostics); ok = ok && r.partition != nil
            case "account": r.account = name(pair, place, &diagnostics); ok = ok && r.account != nil
            case "qos": r.qos = name(pair, place, &diagnostics); ok = ok && r.qos != nil
            case "constraint": r.constraint = name(pair, place, &diagnostics); ok = ok && r.constraint != nil
            case "extra_args":
                if let args = extraArgs(pair, place, &diagnostics) { r.extraArgs = args } else { ok = false }
            default:
                diagnostics.error(pair.keyLocation, "unknown key '\(pair.key)' in 'resources'\(place)" + hint(pair.key, resourceKeys))
                ok = false
            }
        }
        return ok ? r : nil
    }

    /// Seconds from a number or a duration (`90m`, `2h`), or from Slurm's clock notation (`1-12:00:00`, `02:00:00`).
    static func timeLimit(_ scalar: YAMLScalar) -> Double? {
        if scalar.text.contains(":") || scalar.text.contains("-") { return SlurmTime.seconds(scalar.text).map(Double.init) }
        return StageResolver.parseDuration(scalar)
    }

    private static func kind(_ text: String, at location: SourceLocation, diagnostics: inout DiagnosticCollector) -> ExecutorKind? {
        if let kind = ExecutorKind(rawValue: text) { return kind }
        let names = ExecutorKind.allCases.map(\.rawValue)
        let h = Suggestions.hint(for: text, in: names)
        diagnostics.error(location, "unknown executor '\(text)'" + (h.isEmpty ? " (use local or slurm)" : h))
        return nil
    }

    private static func name(_ pair: YAMLPair, _ place: String, _ diagnostics: inout DiagnosticCollector) -> String? {
        if let s = pair.value.scalar, !s.isNull, !s.text.isEmpty, !s.text.contains(where: \.isWhitespace) { return s.text }
        expected("a name without spaces", pair, place, &diagnostics)
        return nil
    }

    private static func integer(_ pair: YAMLPair, minimum: Int, _ place: String,
                                _ diagnostics: inout DiagnosticCollector) -> Int? {
        if let s = pair.value.scalar, case .success(.int(let i)) = YAMLScalarResolver.resolve(s), i >= minimum,
           i <= 1_000_000 {
            return Int(i)
        }
        expected("an integer ≥ \(minimum)", pair, place, &diagnostics)
        return nil
    }

    private static func extraArgs(_ pair: YAMLPair, _ place: String, _ diagnostics: inout DiagnosticCollector) -> [String]? {
        let items = pair.value.sequence ?? (pair.value.scalar.map { _ in [pair.value] } ?? [])
        guard !items.isEmpty || pair.value.sequence != nil else {
            expected("a list of sbatch options such as [--exclusive, --nice=10]", pair, place, &diagnostics)
            return nil
        }
        var args: [String] = []
        var ok = true
        for item in items {
            guard let s = item.scalar, !s.isNull, s.text.hasPrefix("-") else {
                diagnostics.error(item.location, "expected an sbatch option starting with '-' in 'extra_args'\(place) "
                                  + "(write options with a value as --option=value), got \(item.shortDescription)")
                ok = false
                continue
            }
            let option = String(s.text.split(separator: "=", maxSplits: 1).first ?? "")
            // Short options may carry their value glued on (`-Jname`).
            if reservedOptions.contains(option) || reservedOptions.contains(where: { $0.count == 2 && s.text.hasPrefix($0) }) {
                diagnostics.error(item.location, "'\(option)' cannot be set in 'extra_args'\(place): lema sets it to "
                                  + "identify and track the job")
                ok = false
                continue
            }
            args.append(s.text)
        }
        return ok ? args : nil
    }

    private static func expected(_ what: String, _ pair: YAMLPair, _ place: String, _ diagnostics: inout DiagnosticCollector) {
        diagnostics.error(pair.value.location, "expected \(what) for '\(pair.key)'\(place), got \(pair.value.shortDescription)")
    }

    private static func hint(_ key: String, _ allowed: [String]) -> String {
        let h = Suggestions.hint(for: key, in: allowed)
        return h.isEmpty ? " (allowed: \(allowed.joined(separator: ", ")))" : h
    }
}
