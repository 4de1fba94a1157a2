import Crypto
import Foundation
import LemaCore

/// A file in the safetensors format (https://github.com/huggingface/safetensors):
///
/// ```
/// [8 bytes: header length N, little-endian u64][N bytes: JSON header, space-padded][data section]
/// header = {"__metadata__": {string: string}, "<tensor>": {"dtype": "F32", "shape": [..], "data_offsets": [b, e]}}
/// ```
/// Offsets are relative to the data section, which holds every tensor's little-endian bytes contiguously.
///
/// lema's writer is deterministic (same tensors and metadata → same bytes): header keys are sorted, tensors are
/// laid out by element size (8-byte types first, so every tensor is naturally aligned) and then by name, and the
/// header is padded with spaces so the data section starts at a multiple of 8. It also stores `lema.sha256` in the
/// metadata: a SHA-256 over a canonical description of the header (every tensor's name, dtype, shape and offsets
/// and every other metadata entry) followed by the data section, which `read` verifies when present.
/// The files load with the standard `safetensors` library.
public struct SafeTensorsFile: Sendable, Equatable {
    /// Metadata key of the checksum.
    public static let checksumKey = "lema.sha256"
    /// Largest header accepted when reading (the safetensors library's own limit).
    public static let maximumHeaderBytes = 100_000_000

    /// Where the file was read from (used in error messages).
    public let file: String
    /// Tensors in data-section order.
    public let tensors: [NamedTensor]
    /// Metadata, including `lema.sha256` when present.
    public let metadata: [String: String]

    /// A file's contents; `file` names it in error messages.
    public init(file: String, tensors: [NamedTensor], metadata: [String: String]) {
        self.file = file
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor with this name, if present.
    public subscript(name: String) -> NamedTensor? { tensors.first { $0.name == name } }

    /// The tensor with this name, or a `missingTensor` error naming this file.
    public func tensor(named name: String) throws(CheckpointError) -> NamedTensor {
        guard let tensor = self[name] else { throw CheckpointError(file: file, problem: .missingTensor(name)) }
        return tensor
    }

    /// Writes tensors and metadata atomically (temporary file, fsync, rename, directory fsync): a reader or a
    /// restarted process sees the old file or the new one, never a mix. `metadata` must not contain
    /// `lema.sha256`; the writer adds it.
    public static func write(tensors: [NamedTensor], metadata: [String: String], to url: URL) throws(CheckpointError) {
        let bytes = try encode(tensors: tensors, metadata: metadata, file: url.path)
        do {
            try AtomicFile.write(bytes, to: url)
        } catch {
            throw CheckpointError(file: url.path, problem: .unwritable("\(error)"))
        }
    }

    /// The bytes of a safetensors file (see the type's documentation for the layout).
    public static func encode(tensors: [NamedTensor], metadata: [String: String],
                              file: String = "<memory>") throws(CheckpointError) -> Data {
        func invalid(_ name: String, _ why: String) -> CheckpointError {
            CheckpointError(file: file, problem: .invalidTensor(name: name, reason: why))
        }
        guard metadata[checksumKey] == nil else {
            throw CheckpointError(file: file, problem: .invalidMetadata(key: checksumKey, reason: "is added by the writer"))
        }
        var seen = Set<String>()
        for tensor in tensors {
            guard !tensor.name.isEmpty, tensor.name != "__metadata__" else { throw invalid(tensor.name, "reserved name") }
            guard seen.insert(tensor.name).inserted else { throw invalid(tensor.name, "name used twice") }
            guard let count = NamedTensor.elementCount(of: tensor.shape), count == tensor.values.count else {
                throw invalid(tensor.name, "shape \(tensor.shape) does not match \(tensor.values.count) elements")
            }
        }
        let ordered = tensors.sorted {
            $0.dtype.byteSize != $1.dtype.byteSize ? $0.dtype.byteSize > $1.dtype.byteSize
                : Array($0.name.utf8).lexicographicallyPrecedes($1.name.utf8)
        }
        var entries: [TensorEntry] = []
        var offset = 0
        for tensor in ordered {
            let size = tensor.values.count * tensor.dtype.byteSize
            entries.append(TensorEntry(name: tensor.name, dtype: tensor.dtype, shape: tensor.shape,
                                       begin: offset, end: offset + size))
            offset += size
        }
        var dataSection = Data(capacity: offset)
        for tensor in ordered { appendBytes(of: tensor.values, to: &dataSection) }

        var fullMetadata = metadata
        fullMetadata[checksumKey] = dataSection.withUnsafeBytes {
            checksum(entries: entries, metadata: metadata, data: $0)
        }
        var header = headerJSON(entries: entries, metadata: fullMetadata)
        header += String(repeating: " ", count: (8 - header.utf8.count % 8) % 8)

        var out = Data(capacity: 8 + header.utf8.count + dataSection.count)
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header.utf8)
        out.append(dataSection)
        return out
    }

    /// One tensor's header entry.
    struct TensorEntry: Equatable {
        var name: String
        var dtype: TensorDType
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    static func headerJSON(entries: [TensorEntry], metadata: [String: String]) -> String {
        var object: [String: JSONValue] = [:]
        if !metadata.isEmpty { object["__metadata__"] = .object(metadata.mapValues { .string($0) }) }
        for entry in entries {
            object[entry.name] = .object([
                "dtype": .string(entry.dtype.rawValue),
                "shape": .array(entry.shape.map { .int(Int64($0)) }),
                "data_offsets": .array([.int(Int64(entry.begin)), .int(Int64(entry.end))]),
            ])
        }
        return JSONValue.object(object).canonicalText
    }

    private static func appendBytes(of values: TensorValues, to data: inout Data) {
        // The host is little-endian (checked at compile time), so memory order is file order.
        switch values {
        case .f32(let v): v.withUnsafeBytes { data.append(contentsOf: $0) }
        case .i32(let v): v.withUnsafeBytes { data.append(contentsOf: $0) }
        case .i64(let v): v.withUnsafeBytes { data.append(contentsOf: $0) }
        case .u64(let v): v.withUnsafeBytes { data.append(contentsOf: $0) }
        }
    }

    /// `lema.sha256`: SHA-256 over the header's meaning (entries sorted by name, metadata sorted by key, checksum
    /// entry excluded, every string length-prefixed so no two headers share a description) and the data section.
    static func checksum(entries: [TensorEntry], metadata: [String: String], data: UnsafeRawBufferPointer) -> String {
        var hasher = SHA256()
        func add(_ text: String) {
            withUnsafeBytes(of: UInt64(text.utf8.count).littleEndian) { hasher.update(bufferPointer: $0) }
            hasher.update(data: Data(text.utf8))
        }
        add("safetensors-lema-v1")
        for entry in entries.sorted(by: { Array($0.name.utf8).lexicographicallyPrecedes($1.name.utf8) }) {
            add(entry.name)
            add(entry.dtype.rawValue)
            add(entry.shape.map(String.init).joined(separator: ","))
            add("\(entry.begin),\(entry.end)")
        }
        for key in metadata.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes($1.utf8) })
        where key != checksumKey {
            add(key)
            add(metadata[key] ?? "")
        }
        hasher.update(bufferPointer: data)
        return Hex.string(hasher.finalize())
    }
}
