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

    public var artifact: InputArtifact {
        InputArtifact(stage: stage, fingerprint: fingerprint, selected: selected,
                      artifacts: artifacts.mapValues { URL(fileURLWithPath: $0) }, summary: summary)
    }
}
