import StageAPI
import Stages

/// Every stage kind a spec may use: the generic ones (`command`, `map`, `noop`) and the LeMa experiment's.
public enum KindCatalog {
    /// The registry the spec compiler, the runner, `lema kinds` and `lema node-exec` resolve `kind:` names against.
    public static let registry = KindRegistry(GenericKinds.all + [
        DatasetKind(), TrainKind(), SampleKind(), FilterKind(), CorrectKind(), DedupeKind(), MixKind(), EvolveKind(), VoteKind(),
        EvaluateKind(), ReportKind(),
    ])
}
