import Foundation

extension SafeTensorsFile {
    /// Reads and validates a safetensors file: header length and JSON, dtypes, shapes against offsets, offsets
    /// contiguous from 0 and covering the data section exactly, and — when the metadata holds `lema.sha256` —
    /// the checksum. Each failure is a `CheckpointError` with its own `Problem` case.
    public static func read(from url: URL) throws(CheckpointError) -> SafeTensorsFile {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: url)
        } catch {
            throw CheckpointError(file: url.path, problem: .unreadable(error.localizedDescription))
        }
        return try decode(bytes, file: url.path)
    }

    /// Parses and validates the bytes of a safetensors file (see `read(from:)`); `file` names it in errors.
    public static func decode(_ bytes: Data, file: String) throws(CheckpointError) -> SafeTensorsFile {
        func fail(_ problem: CheckpointError.Problem) -> CheckpointError { CheckpointError(file: file, problem: problem) }
        let bytes = bytes.startIndex == 0 ? bytes : Data(bytes)  // offsets below are from 0
        guard bytes.count >= 8 else { throw fail(.truncated(expectedBytes: 8, actualBytes: bytes.count)) }
        let declared = bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard declared <= UInt64(maximumHeaderBytes) else {
            throw fail(.badHeader("header length \(declared) exceeds the \(maximumHeaderBytes)-byte limit"))
        }
        let headerLength = Int(declared)
        guard 8 + headerLength <= bytes.count else {
            throw fail(.truncated(expectedBytes: 8 + headerLength, actualBytes: bytes.count))
        }
        let headerBytes = bytes[8..<(8 + headerLength)]
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw fail(.badHeader("the header does not start with '{'"))
        }
        let header = try parseHeader(Data(headerBytes), fail: fail)
        let entries = try validatedLayout(header.entries, fail: fail)

        let dataStart = 8 + headerLength
        let dataLength = bytes.count - dataStart
        let expectedLength = entries.last?.end ?? 0
        guard dataLength >= expectedLength else {
            throw fail(.truncated(expectedBytes: dataStart + expectedLength, actualBytes: bytes.count))
        }
        guard dataLength == expectedLength else {
            throw fail(.badHeader("\(dataLength - expectedLength) bytes follow the last tensor's data"))
        }

        // withUnsafeBytes only rethrows untyped errors, so the closure reports a mismatch through its result.
        let result: Result<[NamedTensor], CheckpointError> = bytes.withUnsafeBytes { raw in
            let data = UnsafeRawBufferPointer(rebasing: raw[dataStart...])
            if let stored = header.metadata[checksumKey] {
                var rest = header.metadata
                rest[checksumKey] = nil
                let computed = checksum(entries: entries, metadata: rest, data: data)
                guard computed == stored else { return .failure(fail(.checksumMismatch(stored: stored, computed: computed))) }
            }
            return .success(entries.map { entry in
                NamedTensor(name: entry.name, shape: entry.shape,
                            values: values(of: entry.dtype, UnsafeRawBufferPointer(rebasing: data[entry.begin..<entry.end])))
            })
        }
        return SafeTensorsFile(file: file, tensors: try result.get(), metadata: header.metadata)
    }

    private static func values(of dtype: TensorDType, _ bytes: UnsafeRawBufferPointer) -> TensorValues {
        // Copy (the bytes need not be aligned); the host is little-endian like the file.
        func load<T>(_: T.Type) -> [T] {
            let count = bytes.count / MemoryLayout<T>.size
            return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                if count > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes) }
                initialized = count
            }
        }
        switch dtype {
        case .f32: return .f32(load(Float.self))
        case .i32: return .i32(load(Int32.self))
        case .i64: return .i64(load(Int64.self))
        case .u64: return .u64(load(UInt64.self))
        }
    }

    private struct ParsedHeader {
        var metadata: [String: String] = [:]
        var entries: [RawEntry] = []
    }

    private struct RawEntry: Decodable {
        var name = ""
        let dtype: String
        let shape: [Int]
        let data_offsets: [Int]  // swiftlint:disable:this identifier_name — the spec's key

        private enum CodingKeys: String, CodingKey { case dtype, shape, data_offsets }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private struct HeaderDocument: Decodable {
        var parsed = ParsedHeader()
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            for key in container.allKeys {
                if key.stringValue == "__metadata__" {
                    parsed.metadata = try container.decode([String: String].self, forKey: key)
                } else {
                    var entry = try container.decode(RawEntry.self, forKey: key)
                    entry.name = key.stringValue
                    parsed.entries.append(entry)
                }
            }
        }
    }

    private static func parseHeader(_ json: Data,
                                    fail: (CheckpointError.Problem) -> CheckpointError) throws(CheckpointError) -> ParsedHeader {
        do {
            return try JSONDecoder().decode(HeaderDocument.self, from: json).parsed
        } catch let DecodingError.dataCorrupted(context) {
            throw fail(.badHeader("invalid JSON (\(context.debugDescription))"))
        } catch let DecodingError.keyNotFound(key, context) {
            throw fail(.badHeader("'\(context.codingPath.first?.stringValue ?? "?")' lacks '\(key.stringValue)'"))
        } catch let DecodingError.typeMismatch(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw fail(.badHeader("'\(path)' has the wrong type (\(context.debugDescription))"))
        } catch {
            throw fail(.badHeader("\(error)"))
        }
    }

    /// Checks each entry and that the entries tile the data section without gaps or overlaps; returns them in
    /// data order.
    private static func validatedLayout(_ raw: [RawEntry],
                                        fail: (CheckpointError.Problem) -> CheckpointError) throws(CheckpointError) -> [TensorEntry] {
        var entries: [TensorEntry] = []
        for entry in raw {
            guard let dtype = TensorDType(rawValue: entry.dtype) else {
                let known = TensorDType.allCases.map(\.rawValue).joined(separator: ", ")
                throw fail(.badHeader("tensor '\(entry.name)' has dtype '\(entry.dtype)'; lema reads \(known)"))
            }
            guard entry.data_offsets.count == 2, entry.data_offsets[0] >= 0, entry.data_offsets[0] <= entry.data_offsets[1] else {
                throw fail(.badHeader("tensor '\(entry.name)' has invalid data_offsets \(entry.data_offsets)"))
            }
            let (begin, end) = (entry.data_offsets[0], entry.data_offsets[1])
            guard let count = NamedTensor.elementCount(of: entry.shape),
                  count.multipliedReportingOverflow(by: dtype.byteSize) == (end - begin, false) else {
                throw fail(.badHeader("tensor '\(entry.name)' has shape \(entry.shape) but \(end - begin) bytes of \(dtype.rawValue)"))
            }
            entries.append(TensorEntry(name: entry.name, dtype: dtype, shape: entry.shape, begin: begin, end: end))
        }
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var position = 0
        for entry in entries {
            guard entry.begin == position else {
                let kind = entry.begin > position ? "leaves a gap before" : "overlaps"
                throw fail(.badHeader("tensor '\(entry.name)' at \(entry.begin) \(kind) the previous tensor's end \(position)"))
            }
            position = entry.end
        }
        return entries
    }
}
