import LemaCore
import StageAPI

extension SpecReader {
    /// Reads `stages:`: names, kinds, keys, references and interpolation uses. Stages whose kind is unknown are
    /// reported and left out (their names still count as defined, so references to them do not add noise).
    mutating func readStages(_ pair: YAMLPair, paramIndex: [String: Int]) -> ([StageSpec], [String: Int]) {
        guard let entries = pair.value.mapping, !entries.isEmpty else {
            diagnostics.error(pair.value.location,
                              "expected a non-empty mapping from stage name to definition for 'stages', got \(pair.value.shortDescription)")
            return ([], [:])
        }
        guard entries.count <= SpecLimits.maxStages else {
            diagnostics.error(pair.keyLocation, "\(entries.count) stages, more than the limit of \(SpecLimits.maxStages)")
            return ([], [:])
        }
        let names = entries.map(\.key)
        let defined = Set(names)
        var stages: [StageSpec] = []
        for (index, entry) in entries.enumerated() {
            if diagnostics.isFull { break }  // refused anyway; reading on would only cost time
            if let stage = readStage(entry, index: index, defined: defined, names: names, paramIndex: paramIndex) {
                stages.append(stage)
            }
        }
        var stageIndex: [String: Int] = [:]
        for i in stages.indices {
            stages[i].index = i  // position among the kept stages (still spec order)
            stageIndex[stages[i].name] = i
        }
        for i in stages.indices {
            var seen = Set<Int>()
            stages[i].dependencies = (stages[i].references + stages[i].after).compactMap { stageIndex[$0.stage] }
                .filter { seen.insert($0).inserted }
        }
        return (stages, stageIndex)
    }

    /// A kind's parameters, looked up once per kind (kinds may build `parameters` on every call).
    mutating func kindInfo(_ kind: any StageKind) -> KindInfo {
        if let known = kinds[kind.name] { return known }
        let parameters = kind.parameters
        let info = KindInfo(parameters: parameters,
                            byName: Dictionary(parameters.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }))
        kinds[kind.name] = info
        return info
    }

    static func isStageName(_ s: String) -> Bool { Interpolation.isIdentifier(Substring(s)) }

    private mutating func readStage(_ entry: YAMLPair, index: Int, defined: Set<String>, names: [String],
                                    paramIndex: [String: Int]) -> StageSpec? {
        let name = entry.key
        var valid = true
        if !Self.isStageName(name) {
            diagnostics.error(entry.keyLocation,
                              "invalid stage name '\(SpecLimits.shown(name))': use letters, digits, '_' and '-', starting with a letter or '_' (a dot separates STAGE.ARTIFACT in references)")
            valid = false
        } else if let message = Self.nameTooLong("stage name", name, use: "it names the directory nodes/<stage>-<fingerprint>/") {
            diagnostics.error(entry.keyLocation, message)
            valid = false
        }
        guard let pairs = entry.value.mapping else {
            diagnostics.error(entry.value.location, "stage '\(SpecLimits.shown(name))' must be a mapping with at least 'kind', got \(entry.value.shortDescription)")
            return nil
        }
        guard let kindPair = pairs.first(where: { $0.key == EngineKeys.kind }) else {
            diagnostics.error(entry.keyLocation, "stage '\(SpecLimits.shown(name))' has no 'kind' (known kinds: \(registry.names.joined(separator: ", ")))")
            return nil
        }
        guard let kindText = kindPair.value.scalar?.text, kindPair.value.scalar?.isNull == false else {
            diagnostics.error(kindPair.value.location, "expected a stage kind name for 'kind', got \(kindPair.value.shortDescription)")
            return nil
        }
        guard let kind = registry[kindText] else {
            diagnostics.error(kindPair.value.location, Self.unknownKind(kindText, registry: registry))
            return nil
        }
        var stage = StageSpec(name: name, index: index, location: entry.keyLocation, kind: kind, entries: [],
                              retries: nil, timeout: nil, threads: nil, executor: nil, resources: nil, after: [],
                              references: [], usedParams: [], dependencies: [])
        let info = kindInfo(kind)
        let parameters = info.byName
        stage.parameters = info.parameters
        var uses: [(String, SourceLocation)] = []
        for pair in pairs {
            switch pair.key {
            case EngineKeys.kind: continue
            case EngineKeys.retries: stage.retries = pair
            case EngineKeys.timeout: stage.timeout = pair
            case EngineKeys.threads: stage.threads = pair
            case EngineKeys.executor: stage.executor = pair
            case EngineKeys.resources: stage.resources = pair
            case EngineKeys.reseed:
                if let s = pair.value.scalar, case .success(.bool(let b)) = YAMLScalarResolver.resolve(s) {
                    stage.reseed = b
                } else {
                    diagnostics.error(pair.value.location, "expected true or false for 'reseed' (whether each replicate "
                                      + "gets its own node of this stage), got \(pair.value.shortDescription)")
                }
            case EngineKeys.after:
                stage.after = readReferences(pair, parameter: EngineKeys.after, single: false, stage: name,
                                             defined: defined, names: names, allowArtifact: false)
                continue
            default:
                guard let parameter = parameters[pair.key] else {
                    diagnostics.error(pair.keyLocation, Self.unknownKey(pair.key, stage: name, kind: kind.name, info: info))
                    continue
                }
                switch parameter.type {
                case .reference, .references, .gather:
                    var refs = readReferences(pair, parameter: parameter.name, single: parameter.type == .reference,
                                              stage: name, defined: defined, names: names, allowArtifact: true)
                    if parameter.type == .gather { for i in refs.indices { refs[i].gathers = true } }
                    stage.references += refs
                    stage.entries.append(StageEntry(parameter: parameter, pair: pair))
                    continue
                default:
                    stage.entries.append(StageEntry(parameter: parameter, pair: pair))
                }
            }
            if !Interpolation.collectUses(pair.value, into: &uses, diagnostics: &diagnostics) { stage.unresolvable = true }
        }
        for parameter in info.parameters where parameter.isRequired && !pairs.contains(where: { $0.key == parameter.name }) {
            diagnostics.error(entry.keyLocation,
                              "stage '\(SpecLimits.shown(name))' (kind '\(kind.name)') is missing required parameter '\(parameter.name)' (\(parameter.type))")
        }
        var used = Set<String>()
        for (param, location) in uses {
            if paramIndex[param] != nil { used.insert(param); continue }
            stage.unresolvable = true
            diagnostics.error(location, "undefined parameter '\(SpecLimits.shown(param))' in ${params.\(SpecLimits.shown(param))}"
                              + Suggestions.hint(for: param, in: paramIndex.keys.sorted(), orElse: ": declare it under 'params'"))
        }
        stage.usedParams = used.sorted()
        stage.weight = pairs.reduce(1) { $0 &+ $1.value.weight }
        return valid ? stage : nil
    }

    /// `stage`, `stage.artifact`, or a list of them. References are fixed text: the graph's shape may not depend on
    /// parameters, so `${params.…}` is refused here.
    private mutating func readReferences(_ pair: YAMLPair, parameter: String, single: Bool, stage: String,
                                         defined: Set<String>, names: [String], allowArtifact: Bool) -> [StageReference] {
        let items: [YAMLNode]
        switch pair.value.content {
        case .scalar where single || !(pair.value.scalar?.isNull ?? true): items = [pair.value]
        case .sequence(let list) where !single: items = list
        default:
            let expected = single ? ParameterType.reference.description
                : (allowArtifact ? "a list of stage references" : "a list of stage names")
            diagnostics.error(pair.value.location, "expected \(expected) for '\(parameter)', got \(pair.value.shortDescription)")
            return []
        }
        var out: [StageReference] = []
        for item in items {
            if diagnostics.isFull { break }
            guard let scalar = item.scalar, !scalar.isNull else {
                diagnostics.error(item.location, "expected a stage reference (STAGE or STAGE.ARTIFACT) for '\(parameter)', got \(item.shortDescription)")
                continue
            }
            if Interpolation.containsOpening(scalar.text) {
                diagnostics.error(item.location,
                                  "references cannot use ${params.…} interpolation in '\(parameter)': the graph's shape may not depend on parameters")
                continue
            }
            let parts = scalar.text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let target = allowArtifact ? parts[0] : scalar.text
            let artifact = allowArtifact && parts.count == 2 ? parts[1] : nil
            if let artifact, artifact.isEmpty {
                diagnostics.error(item.location, "empty artifact name in reference '\(SpecLimits.shown(scalar.text))': write STAGE or STAGE.ARTIFACT")
                continue
            }
            if let artifact, let problem = Self.artifactNameProblem(artifact) {
                diagnostics.error(item.location, problem)
                continue
            }
            guard defined.contains(target) else {
                diagnostics.error(item.location, "reference to unknown stage '\(SpecLimits.shown(target))'" + Suggestions.hint(for: target, in: names))
                continue
            }
            out.append(StageReference(parameter: parameter, stage: target, artifact: artifact, location: item.location))
        }
        return out
    }

    private static func unknownKind(_ text: String, registry: KindRegistry) -> String {
        "unknown stage kind '\(SpecLimits.shown(text))'"
            + Suggestions.hint(for: text, in: registry.names, orElse: " (known kinds: \(registry.names.joined(separator: ", ")))")
    }

    private static func unknownKey(_ key: String, stage: String, kind: String, info: KindInfo) -> String {
        let accepted = info.parameters.map(\.name).sorted().joined(separator: ", ")
        return "unknown key '\(SpecLimits.shown(key))' in stage '\(SpecLimits.shown(stage))' (kind '\(kind)')"
            + Suggestions.hint(for: key, in: info.parameters.map(\.name) + EngineKeys.all, orElse:
                " — kind '\(kind)' accepts: \(accepted.isEmpty ? "no parameters" : accepted); every stage also accepts: after, executor, reseed, resources, retries, threads, timeout")
    }

    /// Artifact names select among a stage's outputs (files it wrote); they are stored in the run's database and
    /// shown in listings, so they are bounded like stage names and may not hold path separators or control
    /// characters. Nil when the name is fine.
    static func artifactNameProblem(_ artifact: String) -> String? {
        if let message = nameTooLong("artifact name", artifact, use: "it names one of the stage's outputs") { return message }
        if artifact == "." || artifact == ".."
            || artifact.unicodeScalars.contains(where: { $0 == "/" || $0.value < 0x20 || $0.value == 0x7F }) {
            return "invalid artifact name '\(SpecLimits.shown(artifact))': it may not be '.' or '..', nor contain '/' or control characters"
        }
        return nil
    }
}
