/// The set of stage kinds a pipeline may use, by name.
public struct KindRegistry: Sendable {
    public private(set) var kinds: [String: any StageKind] = [:]

    public init(_ kinds: [any StageKind] = []) {
        for kind in kinds { register(kind) }
    }

    public mutating func register(_ kind: any StageKind) {
        kinds[kind.name] = kind
    }

    public subscript(name: String) -> (any StageKind)? { kinds[name] }

    /// Kind names in alphabetical order.
    public var names: [String] { kinds.keys.sorted() }
}
