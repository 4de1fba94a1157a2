/// Names of the checkpoints a training run writes: the file `ckpt_00000200.safetensors` in the checkpoint
/// directory and the artifact `ckpt_00000200` of the final outputs. The step is zero-padded to eight digits, so the
/// names sort in step order (up to step 99,999,999; later steps only get longer names).
///
/// Every place that makes or reads such a name goes through here, so the format is written once.
public enum CheckpointName {
    static let prefix = "ckpt_"
    static let fileExtension = ".safetensors"

    /// `ckpt_00000200` for step 200.
    public static func artifact(step: Int) -> String {
        let digits = String(step)
        return prefix + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// `ckpt_00000200.safetensors` for step 200.
    public static func file(step: Int) -> String { artifact(step: step) + fileExtension }

    /// The step of an artifact name (`ckpt_00000200` → 200; `ckpt_200` → 200 too); nil when the name is not
    /// `ckpt_` followed by decimal digits only.
    public static func step(ofArtifact name: String) -> Int? {
        guard name.hasPrefix(prefix) else { return nil }
        let digits = name.dropFirst(prefix.count)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        return Int(digits)
    }

    /// The step of a checkpoint file name (`ckpt_00000200.safetensors` → 200); nil for any other name.
    public static func step(ofFile name: String) -> Int? {
        guard name.hasSuffix(fileExtension) else { return nil }
        return step(ofArtifact: String(name.dropLast(fileExtension.count)))
    }
}
