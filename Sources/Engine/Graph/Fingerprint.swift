import Crypto
import Foundation
import LemaCore

/// What a node's fingerprint is made of, for `lema why` (which component changed between two runs).
public struct FingerprintComponents: Sendable, Hashable, Codable {
    /// The stage kind's name.
    public var kind: String
    /// The kind's implementation version; bumping it changes every fingerprint of the kind.
    public var kindVersion: Int
    /// Canonical JSON of the resolved parameters (sorted keys, no whitespace).
    public var params: String
    /// Input parameter (reference parameters, and `after` for ordering-only inputs) → upstream fingerprints.
    public var inputs: [String: [String]]
    /// The stage name, present only when another stage of the pipeline resolves to exactly the same work:
    /// such stages stay separate nodes, told apart by name. Nil for every other node.
    public var stage: String?
    /// The pipeline seed: every random choice of a node derives from it, so changing it changes every node.
    public var seed: UInt64

    /// Components with these parts; `stage` is set only for duplicate work (see `stage`).
    public init(kind: String, kindVersion: Int, params: String, inputs: [String: [String]], stage: String? = nil,
                seed: UInt64 = 0) {
        self.kind = kind
        self.kindVersion = kindVersion
        self.params = params
        self.inputs = inputs
        self.stage = stage
        self.seed = seed
    }

    /// The exact text that is hashed: canonical JSON `{"inputs":{…},"kind":…,"params":{…},"seed":N,"version":…}`
    /// (with `"stage":…` before `"version"` when `stage` is set).
    public var canonicalText: String { canonicalText(inputsText: CanonicalJSON.inputsText(inputs)) }

    /// `canonicalText` with the (possibly long) inputs part supplied, so variants of one set of components
    /// (with and without `stage`) share it.
    func canonicalText(inputsText: String) -> String {
        var out = "{\"inputs\":"
        out += inputsText
        out += ",\"kind\":"
        CanonicalJSON.quote(kind, into: &out)
        out += ",\"params\":" + params
        out += ",\"seed\":" + String(seed)
        if let stage {
            out += ",\"stage\":"
            CanonicalJSON.quote(stage, into: &out)
        }
        out += ",\"version\":" + String(kindVersion) + "}"
        return out
    }

    /// SHA-256 (lower-case hex) of `canonicalText`: the node id.
    public var fingerprint: String { Fingerprint.sha256Hex(canonicalText) }
}

extension GraphNode {
    /// The components this node's fingerprint was computed from (`components.fingerprint == id`).
    public var fingerprintComponents: FingerprintComponents {
        var components = FingerprintComponents(kind: kind, kindVersion: kindVersion,
                                               params: CanonicalJSON.text(.object(params)),
                                               inputs: inputs.mapValues { $0.map(\.nodeID) }, seed: seed)
        if components.fingerprint != id { components.stage = stage }  // a duplicate told apart by its name
        return components
    }
}

/// SHA-256 helpers.
public enum Fingerprint {
    /// Lower-case hex SHA-256 of the UTF-8 bytes of `text`.
    public static func sha256Hex(_ text: String) -> String {
        var text = text
        // Hash the string's own UTF-8 storage (no intermediate Data copy); native strings are contiguous.
        let digest = text.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
        return Hex.string(digest)
    }
}
