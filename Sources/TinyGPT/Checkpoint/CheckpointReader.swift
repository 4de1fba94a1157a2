import Foundation

/// Typed access to the `lema.*` metadata and tensors of a safetensors file, turning every absence or malformed
/// value into a `CheckpointError` that names the file.
struct CheckpointReader {
    let file: SafeTensorsFile

    func error(_ problem: CheckpointError.Problem) -> CheckpointError {
        CheckpointError(file: file.file, problem: problem)
    }

    func string(_ key: String) throws(CheckpointError) -> String {
        guard let value = file.metadata[key] else { throw error(.missingMetadata(key)) }
        return value
    }

    /// Checks the checksum is present (read already verified it) and the format and version are as expected.
    func requireFormat(_ formats: String...) throws(CheckpointError) {
        guard file.metadata[SafeTensorsFile.checksumKey] != nil else { throw error(.missingChecksum) }
        let format = try string("lema.format")
        guard formats.contains(format) else {
            throw error(.invalidMetadata(key: "lema.format", reason: "is '\(format)', expected \(formats.joined(separator: " or "))"))
        }
        let version = try string("lema.version")
        guard version == String(TrainingCheckpoint.version) else {
            throw error(.invalidMetadata(key: "lema.version",
                                         reason: "version \(version) is not supported (this build reads \(TrainingCheckpoint.version))"))
        }
    }

    func step() throws(CheckpointError) -> Int {
        let text = try string("lema.step")
        guard let step = Int(text), step >= 0 else {
            throw error(.invalidMetadata(key: "lema.step", reason: "'\(text)' is not a non-negative integer"))
        }
        return step
    }

    func rngState() throws(CheckpointError) -> [UInt64] {
        let text = try string("lema.rng")
        if text.isEmpty { return [] }
        var words: [UInt64] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let word = UInt64(part) else {
                throw error(.invalidMetadata(key: "lema.rng", reason: "'\(part)' is not an unsigned 64-bit integer"))
            }
            words.append(word)
        }
        return words
    }

    /// The weights in the order of the `lema.weights` manifest.
    func weights() throws(CheckpointError) -> [NamedTensor] {
        let manifest = try string("lema.weights")
        guard let names = try? JSONDecoder().decode([String].self, from: Data(manifest.utf8)) else {
            throw error(.invalidMetadata(key: "lema.weights", reason: "is not a JSON array of strings"))
        }
        var weights: [NamedTensor] = []
        for name in names {
            let tensor = try file.tensor(named: name)
            guard tensor.dtype == .f32 else {
                throw error(.invalidTensor(name: name, reason: "weights must be F32, found \(tensor.dtype.rawValue)"))
            }
            weights.append(tensor)
        }
        return weights
    }

    /// One moment tensor per weight, stored under `prefix + name`, returned under the weight's name.
    func moments(prefix: String, like weights: [NamedTensor]) throws(CheckpointError) -> [NamedTensor] {
        var out: [NamedTensor] = []
        for weight in weights {
            let tensor = try file.tensor(named: prefix + weight.name)
            guard tensor.dtype == .f32, tensor.shape == weight.shape else {
                throw error(.invalidTensor(name: prefix + weight.name,
                                           reason: "expected F32 \(weight.shape), found \(tensor.dtype.rawValue) \(tensor.shape)"))
            }
            out.append(NamedTensor(name: weight.name, shape: tensor.shape, values: tensor.values))
        }
        return out
    }

    /// Fails on tensors the manifest does not account for (a sign the file was assembled wrongly).
    func rejectUnlisted(weights: [NamedTensor], withOptimizer: Bool) throws(CheckpointError) {
        var expected = Set(weights.map(\.name))
        if withOptimizer {
            for weight in weights {
                expected.insert(TrainingCheckpoint.firstMomentPrefix + weight.name)
                expected.insert(TrainingCheckpoint.secondMomentPrefix + weight.name)
            }
        }
        if let extra = file.tensors.first(where: { !expected.contains($0.name) }) {
            throw error(.invalidTensor(name: extra.name, reason: "is not listed in lema.weights"))
        }
    }

    /// Metadata that is not lema's own.
    var freeMetadata: [String: String] { file.metadata.filter { !$0.key.hasPrefix("lema.") } }

    static func encodeNames(_ names: [String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // Encoding an array of strings cannot fail.
        return (try? encoder.encode(names)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }
}
