import Foundation
import LemaCore
import StageAPI

/// Everything a cluster job needs to run one node without the store: written by the controller as `job.json` in the
/// node directory, read by `lema`'s hidden node subcommand inside the job.
public struct JobSpec: Codable, Sendable, Hashable {
    public var stageName: String
    public var fingerprint: String
    public var kind: String
    public var kindVersion: Int
    public var params: [String: JSONValue]
    public var seed: UInt64
    public var threads: Int
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
    public var stage: String
    public var fingerprint: String
    public var selected: String?
    /// Artifact name → absolute path.
    public var artifacts: [String: String]
    public var summary: [String: JSONValue]

    public init(_ input: InputArtifact) {
        stage = input.stage
        fingerprint = input.fingerprint
        selected = input.selected
        artifacts = input.artifacts.mapValues(\.path)
        summary = input.summary
    }

    private enum CodingKeys: String, CodingKey { case stage, fingerprint, selected, artifacts, summary }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        stage = try c.decode(String.self, forKey: .stage)
        fingerprint = try c.decode(String.self, forKey: .fingerprint)
        selected = try c.decodeIfPresent(String.self, forKey: .selected)
        artifacts = try c.decode([String: String].self, forKey: .artifacts)
        summary = try JobJSON.decodeObject(c, forKey: .summary)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(stage, forKey: .stage)
        try c.encode(fingerprint, forKey: .fingerprint)
        try c.encodeIfPresent(selected, forKey: .selected)
        try c.encode(artifacts, forKey: .artifacts)
        try c.encode(JSONValue.object(summary).canonicalText, forKey: .summary)
    }

    public var artifact: InputArtifact {
        InputArtifact(stage: stage, fingerprint: fingerprint, selected: selected,
                      artifacts: artifacts.mapValues { URL(fileURLWithPath: $0) }, summary: summary)
    }
}
