import Foundation
import LemaCore
import StageAPI

/// `dedupe`: removes exact duplicates (same normalized text) and near duplicates (MinHash + LSH candidates,
/// verified by exact Jaccard over shingle sets) from a JSONL artifact. Kept records are written byte for byte, in
/// input order; the first record of every cluster (input order) is the one kept.
///
/// Artifacts: `records` (records.jsonl, the kept lines), `clusters` (clusters.jsonl: one line per kept record and
/// removal kind, `{"kept":i,"kind":"exact"|"near","removed":[j,…]}` with 0-based record indices of the input; blank
/// input lines are not records), and the input's own artifact name as an alias of `records` (so a consumer that
/// defaults to e.g. `corrections` can take `dedupe` in place of `correct`).
/// Summary: `input`, `exact_removed`, `near_removed`, `clusters`, `output`.
public struct DedupeKind: StageKind {
    /// The kind; it keeps no state between nodes.
    public init() {}

    /// The kind's name in specs.
    public var name: String { "dedupe" }
    /// The kind's version, part of every fingerprint: bumped when the same parameters would give other outputs.
    public var version: Int { 1 }
    /// One sentence for `lema kinds` and the spec reference.
    public var summary: String {
        "Remove exact and near-duplicate JSONL records (normalized text; MinHash + LSH over shingles)."
    }

    /// The keys the kind accepts, with types, defaults and docs (docs/spec.md is generated from them).
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("input", .reference, default: nil,
                          doc: "The JSONL artifact to deduplicate (STAGE or STAGE.ARTIFACT); its lines are kept byte for byte."),
            ParameterSpec("fields", .list(.string), default: .array([.string("corrected")]),
                          doc: "Record keys whose texts are compared, joined in this order; a missing or null key counts as empty text, non-string values as their JSON text."),
            ParameterSpec("exact", .bool, default: .bool(true),
                          doc: "Remove records whose normalized text (lowercased, whitespace runs collapsed, trimmed; punctuation kept) equals an earlier record's."),
            ParameterSpec("near", .bool, default: .bool(true),
                          doc: "Remove records whose shingle-set Jaccard similarity with a kept record (directly or through a chain) is at least `threshold`."),
            ParameterSpec("threshold", .double, default: .double(0.8),
                          doc: "Jaccard similarity (0 < t ≤ 1) at or above which two records are near duplicates; checked exactly on candidate pairs."),
            ParameterSpec("shingle", .choice(ShingleUnit.allCases.map(\.rawValue)), default: .string("char"),
                          doc: "Shingle unit: 'char' (Unicode scalars) or 'word' (space-separated tokens)."),
            ParameterSpec("shingle_size", .int, default: .int(0),
                          doc: "Units per shingle; 0 picks 5 for 'char' and 3 for 'word'. Texts shorter than one shingle form a single shingle."),
            ParameterSpec("num_perm", .int, default: .int(128),
                          doc: "MinHash permutations; more make candidate finding closer to its ideal S-curve at linear cost."),
            ParameterSpec("bands", .int, default: .int(32),
                          doc: "LSH bands; rows per band = num_perm / bands (must divide). More bands find pairs of lower similarity (more candidates to verify)."),
        ]
    }

    /// Checks that span several parameters; each problem names the parameter and the fix.
    public func validate(_ params: [String: JSONValue]) -> [ParameterProblem] {
        var problems: [ParameterProblem] = []
        let values = ParameterValues(params, specs: parameters, stage: name)
        if let fields = try? values.strings("fields") {
            if fields.isEmpty { problems.append(.init(parameter: "fields", message: "list at least one record key to compare, e.g. [corrected]")) }
            if Set(fields).count != fields.count { problems.append(.init(parameter: "fields", message: "a key is listed twice")) }
        }
        if let t = try? values.double("threshold"), !(t > 0 && t <= 1) {
            problems.append(.init(parameter: "threshold", message: "must be in (0, 1], got \(t)"))
        }
        if let size = try? values.int("shingle_size"), size < 0 {
            problems.append(.init(parameter: "shingle_size", message: "must be ≥ 1 (or 0 for the unit's default), got \(size)"))
        }
        let perm = try? values.int("num_perm"), bands = try? values.int("bands")
        if let perm, perm < 1 || perm > 4096 {
            problems.append(.init(parameter: "num_perm", message: "must be between 1 and 4096, got \(perm)"))
        }
        if let bands, bands < 1 { problems.append(.init(parameter: "bands", message: "must be ≥ 1, got \(bands)")) }
        if let perm, let bands, perm >= 1, bands >= 1, perm % bands != 0 {
            let divisors = (1...perm).filter { perm % $0 == 0 }.map(String.init).joined(separator: ", ")
            problems.append(.init(parameter: "bands",
                                  message: "num_perm (\(perm)) must be a multiple of bands (\(bands)); pick bands from: \(divisors)"))
        }
        if (try? values.bool("exact")) == false, (try? values.bool("near")) == false {
            problems.append(.init(parameter: "near", message: "exact and near are both false, so nothing would be removed; enable at least one"))
        }
        return problems
    }

    /// The typed options of a node's parameters.
    public func options(_ params: [String: JSONValue], stage: String) throws -> (fields: [String], options: DedupeOptions) {
        if let problem = validate(params).first {
            throw StageFailure("stage '\(stage)': parameter '\(problem.parameter)': \(problem.message)", retryable: false)
        }
        let values = ParameterValues(params, specs: parameters, stage: stage)
        let unit = ShingleUnit(rawValue: try values.string("shingle")) ?? .char
        let size = try values.int("shingle_size")
        let options = DedupeOptions(exact: try values.bool("exact"), near: try values.bool("near"),
                                    threshold: try values.double("threshold"), shingle: unit,
                                    shingleSize: size > 0 ? size : nil, permutations: try values.int("num_perm"),
                                    bands: try values.int("bands"))
        return (try values.strings("fields"), options)
    }

    /// Runs one node of this kind: its artifacts and summary are described on the type.
    public func run(_ context: any StageContext) throws -> StageOutcome {
        let (fields, options) = try options(context.params, stage: context.stageName)
        let inputs = context.inputs("input")
        guard inputs.count == 1, let input = inputs.first else {
            throw StageFailure("stage '\(context.stageName)': 'input' must name exactly one stage, got \(inputs.count)",
                               retryable: false)
        }
        let file = try input.file(default: "records")
        // Sorted so that an upstream exposing one file under two names (e.g. another dedupe) still gives one answer.
        let inputName = input.selected ?? input.artifacts.keys.sorted().first { input.artifacts[$0] == file } ?? "records"
        let lines = try JSONLines.read(file)
        context.progress(done: 0, total: lines.count, note: "reading \(lines.count) records")

        let texts = try DedupeInput.fieldTexts(lines, fields: fields, threads: context.threads, stage: context.stageName)
        if context.isCancelled { throw StageCancelled() }
        guard let result = Deduplicator.run(texts: texts, options: options, seed: context.seed,
                                            threads: context.threads, isCancelled: { context.isCancelled }) else {
            throw StageCancelled()
        }

        let out = context.outputDirectory
        try JSONLines.write(lines: result.kept.map { lines[$0].bytes }, to: out.appendingPathComponent("records.jsonl"))
        try JSONLines.write(result.clusters.map(\.json), to: out.appendingPathComponent("clusters.jsonl"))
        context.progress(done: lines.count, total: lines.count,
                         note: "kept \(result.kept.count), removed \(result.exactRemoved) exact + \(result.nearRemoved) near")
        context.log("dedupe: \(lines.count) records → \(result.kept.count) (exact \(result.exactRemoved), near \(result.nearRemoved), clusters \(result.clusterCount))")

        var artifacts = ["records": "records.jsonl", "clusters": "clusters.jsonl"]
        if artifacts[inputName] == nil { artifacts[inputName] = "records.jsonl" }
        return StageOutcome(artifacts: artifacts, summary: [
            "input": .int(Int64(lines.count)),
            "exact_removed": .int(Int64(result.exactRemoved)),
            "near_removed": .int(Int64(result.nearRemoved)),
            "clusters": .int(Int64(result.clusterCount)),
            "output": .int(Int64(result.kept.count)),
        ])
    }
}

extension DedupeCluster {
    /// The clusters.jsonl line.
    var json: JSONValue {
        .object([
            "kept": .int(Int64(kept)),
            "removed": .array(removed.map { .int(Int64($0)) }),
            "kind": .string(kind.rawValue),
        ])
    }
}
