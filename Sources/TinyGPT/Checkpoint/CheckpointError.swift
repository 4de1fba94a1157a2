/// A checkpoint or safetensors file that cannot be written or read, naming the file and the problem.
public struct CheckpointError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What is wrong. Each corruption kind has its own case so callers (and tests) can tell them apart.
    public enum Problem: Sendable, Equatable {
        /// The file could not be opened or read.
        case unreadable(String)
        /// The file could not be written (the old file, if any, is untouched).
        case unwritable(String)
        /// The file ends before the data its header describes.
        case truncated(expectedBytes: Int, actualBytes: Int)
        /// The header is not valid safetensors JSON or describes an impossible layout.
        case badHeader(String)
        /// The stored SHA-256 does not match the file's contents.
        case checksumMismatch(stored: String, computed: String)
        /// A training checkpoint has no checksum (it was not written by lema, or its metadata was stripped).
        case missingChecksum
        /// A tensor the checkpoint's manifest requires is absent.
        case missingTensor(String)
        /// A metadata entry the checkpoint requires is absent.
        case missingMetadata(String)
        /// A tensor is present but wrong (dtype, shape, unexpected), or a tensor to write is invalid.
        case invalidTensor(name: String, reason: String)
        /// A metadata entry is present but cannot be used.
        case invalidMetadata(key: String, reason: String)
    }

    /// Path of the file concerned.
    public let file: String
    /// What is wrong with the file.
    public let problem: Problem

    /// An error about `file` (its path, as shown in the message).
    public init(file: String, problem: Problem) {
        self.file = file
        self.problem = problem
    }

    /// "checkpoint <file>: <problem>", with what to do about it where there is something to do.
    public var description: String {
        let what: String
        switch problem {
        case .unreadable(let why):
            what = "cannot read the file (\(why))"
        case .unwritable(let why):
            what = "cannot write the file (\(why)); check the directory exists and is writable and the disk has space"
        case .truncated(let expected, let actual):
            what = "file is truncated: expected \(expected) bytes, found \(actual); it was cut short (crash during a "
                + "copy, full disk) — use an earlier checkpoint"
        case .badHeader(let why):
            what = "bad safetensors header: \(why); the file is corrupt or not a safetensors file"
        case .checksumMismatch(let stored, let computed):
            what = "checksum mismatch: stored sha256 \(stored), contents hash to \(computed); the file is corrupt — "
                + "use an earlier checkpoint"
        case .missingChecksum:
            what = "no lema.sha256 checksum in the metadata, so the contents cannot be verified; it was not written "
                + "by lema's checkpoint writer"
        case .missingTensor(let name):
            what = "missing tensor '\(name)' required by the checkpoint's manifest; the file is incomplete"
        case .missingMetadata(let key):
            what = "missing metadata entry '\(key)'; this is not a lema checkpoint of the expected kind"
        case .invalidTensor(let name, let reason):
            what = "tensor '\(name)': \(reason)"
        case .invalidMetadata(let key, let reason):
            what = "metadata '\(key)': \(reason)"
        }
        return "checkpoint \(file): \(what)"
    }
}
