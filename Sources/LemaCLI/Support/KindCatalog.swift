import StageAPI
import Stages

/// Every stage kind a spec may use. The generic kinds (`command`, `map`, `noop`) come from Stages/Generic; the LeMa
/// kinds are registered here as they land.
public enum KindCatalog {
    public static var registry: KindRegistry {
        KindRegistry(GenericKinds.all)
    }
}
