import Foundation
import LemaCore
import StageAPI

/// Everything a cluster job needs to run one node without the store: written by the controller as `job.json` in the
/// node directory, read by `lema`'s hidden node subcommand inside the job.
public struct JobSpec: Codable, Sendable, Hashable {
    /// The node's stage name in the spec.
    public var stageName: String
    /// The node's fingerprint (hex SHA-256).
    public var fingerprint: String
    /// The stage kind (`train`, …), looked up in the registry of the `lema` binary the job runs.
    public var kind: String
    /// The controller's version of `kind`: the job refuses to run when its binary has another.
    public var kindVersion: Int
    /// Resolved parameters, as a local node gets them; in `job.json` as canonical JSON text (see `JobJSON`).
    public var params: [String: JSONValue]
    /// The node's seed, derived from the pipeline seed and the fingerprint, so a job draws what a local run would.
    public var seed: UInt64
    /// Cores the node may use (the stage's `threads`, also the job's default `cpus`).
    public var threads: Int
    /// Absolute path of the spec file's directory, for relative paths in parameters; must be visible to compute nodes.
    public var specDirectory: String
    /// The node's directory (outputs, checkpoints, journals, markers); on a filesystem the compute nodes see.
    public var nodeDirectory: String
    /// Reference parameter → bound inputs, in spec order.
    public var inputs: [String: [JobInput]]
    /// The attempt this job runs (its journal is `journal.<attempt>.jsonl`).
    public var attempt: Int
    /// Journals of earlier attempts and the controller's seed journal (items and responses the store already had,
    /// the latest checkpoint), read before the stage starts so nothing finished runs again.
    public var priorJournals: [String]

    /// Takes every field as given; the controller builds it when it submits an attempt.
    public init(stageName: String, fingerprint: String, kind: String, kindVersion: Int, params: [String: JSONValue],
                seed: UInt64, threads: Int, specDirectory: String, nodeDirectory: String, inputs: [String: [JobInput]],
                attempt: Int, priorJournals: [String]) {
        self.stageName = stageName
        self.fingerprint = fingerprint
        self.kind = kind
        self.kindVersion = kindVersion
        self.params = params
        self.seed = seed
        self.threads = threads
        self.specDirectory = specDirectory
        self.nodeDirectory = nodeDirectory
        self.inputs = inputs
        self.attempt = attempt
        self.priorJournals = priorJournals
    }

    /// This attempt's journal.
    public var journalURL: URL {
        URL(fileURLWithPath: nodeDirectory).appendingPathComponent("journal.\(attempt).jsonl")
    }

    private enum CodingKeys: String, CodingKey {
        case stageName, fingerprint, kind, kindVersion, params, seed, threads, specDirectory, nodeDirectory, inputs,
             attempt, priorJournals
    }

    /// Decodes `job.json`; throws `DecodingError` for a missing field or `params` that is not a JSON object as text.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        stageName = try c.decode(String.self, forKey: .stageName)
        fingerprint = try c.decode(String.self, forKey: .fingerprint)
        kind = try c.decode(String.self, forKey: .kind)
        kindVersion = try c.decode(Int.self, forKey: .kindVersion)
        params = try JobJSON.decodeObject(c, forKey: .params)
        seed = try c.decode(UInt64.self, forKey: .seed)
        threads = try c.decode(Int.self, forKey: .threads)
        specDirectory = try c.decode(String.self, forKey: .specDirectory)
        nodeDirectory = try c.decode(String.self, forKey: .nodeDirectory)
        inputs = try c.decode([String: [JobInput]].self, forKey: .inputs)
        attempt = try c.decode(Int.self, forKey: .attempt)
        priorJournals = try c.decode([String].self, forKey: .priorJournals)
    }

    /// Writes `params` as canonical JSON text (see `JobJSON`), every other field as is.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(stageName, forKey: .stageName)
        try c.encode(fingerprint, forKey: .fingerprint)
        try c.encode(kind, forKey: .kind)
        try c.encode(kindVersion, forKey: .kindVersion)
        try c.encode(JSONValue.object(params).canonicalText, forKey: .params)
        try c.encode(seed, forKey: .seed)
        try c.encode(threads, forKey: .threads)
        try c.encode(specDirectory, forKey: .specDirectory)
        try c.encode(nodeDirectory, forKey: .nodeDirectory)
        try c.encode(inputs, forKey: .inputs)
        try c.encode(attempt, forKey: .attempt)
        try c.encode(priorJournals, forKey: .priorJournals)
    }
}

/// Parameters and summaries travel in `job.json` as canonical JSON text (`JSONValue.canonicalText`), not as nested
/// Codable values: a Codable round trip through JSONEncoder writes the double `1.0` as `1`, which comes back an
/// integer — and a stage that echoes a parameter (the report's `_variants`) would then write different bytes on the
/// cluster than locally.
enum JobJSON {
    static func decodeObject<K: CodingKey>(_ c: KeyedDecodingContainer<K>, forKey key: K) throws -> [String: JSONValue] {
        let text = try c.decode(String.self, forKey: key)
        guard case .object(let object) = try JSONValue.parse(Data(text.utf8)) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "expected a JSON object as text")
        }
        return object
    }
}

/// An upstream node's output as a job sees it (`InputArtifact` with paths as text).
public struct JobInput: Codable, Sendable, Hashable {
    /// Stage name of the producing node.
    public var stage: String
    /// The producer's fingerprint.
    public var fingerprint: String
    /// The artifact the reference named (`stage.artifact`), or nil when it named the whole stage.
    public var selected: String?
    /// Artifact name → absolute path.
    public var artifacts: [String: String]
    /// The producer's summary, in `job.json` as canonical JSON text.
    public var summary: [String: JSONValue]

    /// The input with its artifact URLs as paths; they must be on a filesystem the compute nodes see.
    public init(_ input: InputArtifact) {
        stage = input.stage
        fingerprint = input.fingerprint
        selected = input.selected
        artifacts = input.artifacts.mapValues(\.path)
        summary = input.summary
    }

    private enum CodingKeys: String, CodingKey { case stage, fingerprint, selected, artifacts, summary }

    /// Throws `DecodingError` for a missing field or a `summary` that is not a JSON object as text.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        stage = try c.decode(String.self, forKey: .stage)
        fingerprint = try c.decode(String.self, forKey: .fingerprint)
        selected = try c.decodeIfPresent(String.self, forKey: .selected)
        artifacts = try c.decode([String: String].self, forKey: .artifacts)
        summary = try JobJSON.decodeObject(c, forKey: .summary)
    }

    /// Writes `summary` as canonical JSON text; `selected` is left out when nil.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(stage, forKey: .stage)
        try c.encode(fingerprint, forKey: .fingerprint)
        try c.encodeIfPresent(selected, forKey: .selected)
        try c.encode(artifacts, forKey: .artifacts)
        try c.encode(JSONValue.object(summary).canonicalText, forKey: .summary)
    }

    /// The input as a stage sees it, paths back to file URLs.
    public var artifact: InputArtifact {
        InputArtifact(stage: stage, fingerprint: fingerprint, selected: selected,
                      artifacts: artifacts.mapValues { URL(fileURLWithPath: $0) }, summary: summary)
    }
}
