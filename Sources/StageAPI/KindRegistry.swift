/// The set of stage kinds a pipeline may use, by name.
public struct KindRegistry: Sendable {
    /// The registered kinds by name.
    public private(set) var kinds: [String: any StageKind] = [:]

    /// A registry of `kinds` (a later kind of the same name replaces an earlier one).
    public init(_ kinds: [any StageKind] = []) {
        for kind in kinds { register(kind) }
    }

    /// Adds `kind`, replacing a kind of the same name.
    public mutating func register(_ kind: any StageKind) {
        kinds[kind.name] = kind
    }

    /// The kind called `name`, if registered.
    public subscript(name: String) -> (any StageKind)? { kinds[name] }

    /// Kind names in alphabetical order.
    public var names: [String] { kinds.keys.sorted() }
}
