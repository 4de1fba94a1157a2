import Foundation
import Testing
@testable import TinyGPT

@Suite("safetensors files")
struct SafeTensorsFileTests {
    @Test("byte layout: LE header length, space-padded JSON header, raw little-endian data")
    func byteLayout() throws {
        let bytes = try SafeTensorsFile.encode(tensors: [NamedTensor(name: "a", shape: [2], floats: [1.0, -2.0])],
                                               metadata: ["k": "v"])
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0)
        #expect(bytes.count == 8 + headerLength + 8)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        #expect(header.count - trimmed.count < 8)
        #expect(trimmed.hasPrefix(#"{"__metadata__":{"k":"v","lema.sha256":""#))
        #expect(trimmed.hasSuffix(#""},"a":{"data_offsets":[0,8],"dtype":"F32","shape":[2]}}"#))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any])
        let checksum = try #require((json["__metadata__"] as? [String: String])?["lema.sha256"])
        #expect(checksum.count == 64 && checksum.allSatisfy { $0.isHexDigit })
        // 1.0 = 0x3F800000, -2.0 = 0xC0000000, little-endian.
        #expect(Array(bytes.suffix(8)) == [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0])
    }

    @Test("writing is deterministic: input order does not change the bytes; 8-byte types come first")
    func deterministicLayout() throws {
        let a = NamedTensor(name: "b.f", shape: [3], floats: [1, 2, 3])
        let b = NamedTensor(name: "a.f", shape: [1], floats: [4])
        let c = NamedTensor(name: "z.u", shape: [2], values: .u64([7, 8]))
        let one = try SafeTensorsFile.encode(tensors: [a, b, c], metadata: ["x": "1", "y": "2"])
        let two = try SafeTensorsFile.encode(tensors: [c, b, a], metadata: ["y": "2", "x": "1"])
        #expect(one == two)
        let file = try SafeTensorsFile.decode(one, file: "mem")
        #expect(file.tensors.map(\.name) == ["z.u", "a.f", "b.f"])
    }

    @Test("round trip is bit-exact for every dtype, NaN payloads, -0, infinities, scalars and empty tensors")
    func bitExactRoundTrip() throws {
        let specials: [Float] = [-0.0, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
                                 Float(bitPattern: 0x7FC0_1234), Float(bitPattern: 0xFF80_0001), 3.14159]
        let tensors = [
            NamedTensor(name: "floats", shape: [2, 4], floats: specials),
            NamedTensor(name: "random", shape: [33], floats: CheckpointFixtures.floats(33, seed: 3)),
            NamedTensor(name: "scalar", shape: [], floats: [42]),
            NamedTensor(name: "empty", shape: [0, 3], floats: []),
            NamedTensor(name: "i32", shape: [3], values: .i32([.min, -1, .max])),
            NamedTensor(name: "i64", shape: [3], values: .i64([.min, 0, .max])),
            NamedTensor(name: "u64", shape: [1, 2], values: .u64([0, .max])),
        ]
        let dir = try CheckpointFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("t.safetensors")
        try SafeTensorsFile.write(tensors: tensors, metadata: ["ünï": "cødé\n\"q\""], to: url)
        let file = try SafeTensorsFile.read(from: url)
        for tensor in tensors { #expect(file[tensor.name] == tensor) }
        #expect(file.tensors.count == tensors.count)
        #expect(file.metadata["ünï"] == "cødé\n\"q\"")
        #expect(file[ "floats"]?.floats?.map(\.bitPattern) == specials.map(\.bitPattern))
    }

    @Test("a file without lema's checksum (as other tools write) reads fine")
    func foreignFileWithoutChecksum() throws {
        let header = #"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        let file = try SafeTensorsFile.decode(CheckpointFixtures.rawFile(header: header, data: [0, 0, 0x40, 0x40]),
                                              file: "foreign")
        #expect(file["w"]?.floats == [3.0])
        #expect(file.metadata == ["format": "pt"])
    }

    @Test("corrupt files fail with their own problem kind and a message naming the file", arguments: [
        ("empty file", [UInt8](), "truncated", "expected 8 bytes, found 0"),
        ("header cut", Array(CheckpointFixtures.rawFile(header: "{}      ", data: []).prefix(12)), "truncated",
         "expected 16 bytes, found 12"),
        ("data cut", Array(CheckpointFixtures.rawFile(
            header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [1, 2, 3])), "truncated",
         "found"),
        ("not JSON", Array(CheckpointFixtures.rawFile(header: "{nope}", data: [])), "badHeader", "invalid JSON"),
        ("no brace", Array(CheckpointFixtures.rawFile(header: "[]", data: [])), "badHeader", "does not start with '{'"),
        ("huge header", Array(CheckpointFixtures.rawFile(header: "{}", data: [], headerLength: 1 << 40)), "badHeader",
         "exceeds"),
        ("unknown dtype", Array(CheckpointFixtures.rawFile(
            header: #"{"w":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}"#, data: [0, 0])), "badHeader",
         "dtype 'F16'"),
        ("shape vs bytes", Array(CheckpointFixtures.rawFile(
            header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: Array(repeating: 0, count: 8))),
         "badHeader", "shape [3] but 8 bytes"),
        ("gap", Array(CheckpointFixtures.rawFile(
            header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: Array(repeating: 0, count: 8))),
         "badHeader", "leaves a gap"),
        ("overlap", Array(CheckpointFixtures.rawFile(
            header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
            data: Array(repeating: 0, count: 8))), "badHeader", "overlaps"),
        ("trailing bytes", Array(CheckpointFixtures.rawFile(
            header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: Array(repeating: 0, count: 6))),
         "badHeader", "2 bytes follow"),
        ("missing key", Array(CheckpointFixtures.rawFile(header: #"{"w":{"dtype":"F32","shape":[1]}}"#, data: [])),
         "badHeader", "'w' lacks 'data_offsets'"),
    ] as [(String, [UInt8], String, String)])
    func corruptFiles(label: String, bytes: [UInt8], kind: String, phrase: String) {
        let error = CheckpointFixtures.checkpointError { _ = try SafeTensorsFile.decode(Data(bytes), file: "/x/\(label)") }
        #expect(error.map { CheckpointFixtures.kind($0.problem) } == kind, "\(label): \(String(describing: error))")
        #expect(error?.description.contains(phrase) == true, "\(label): \(String(describing: error))")
        #expect(error?.description.hasPrefix("checkpoint /x/\(label): ") == true)
    }

    @Test("a flipped data byte or a changed metadata value fails the checksum")
    func checksumDetectsCorruption() throws {
        let bytes = try SafeTensorsFile.encode(tensors: [NamedTensor(name: "w", shape: [4], floats: [1, 2, 3, 4])],
                                               metadata: ["note": "abc"])
        var flipped = bytes
        flipped[flipped.count - 3] ^= 0x01
        var edited = bytes
        let range = try #require(edited.range(of: Data("abc".utf8)))
        edited.replaceSubrange(range, with: Data("abd".utf8))
        for corrupt in [flipped, edited] {
            let error = CheckpointFixtures.checkpointError { _ = try SafeTensorsFile.decode(corrupt, file: "f") }
            #expect(error.map { CheckpointFixtures.kind($0.problem) } == "checksumMismatch")
            #expect(error?.description.contains("checksum mismatch: stored sha256 ") == true)
        }
    }

    @Test("invalid tensors are refused before anything is written")
    func invalidTensorsRefused() throws {
        let dir = try CheckpointFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("w.safetensors")
        let cases: [([NamedTensor], [String: String], String)] = [
            ([NamedTensor(name: "w", shape: [3], floats: [1, 2])], [:], "shape [3] does not match 2 elements"),
            ([NamedTensor(name: "w", shape: [1], floats: [1]), NamedTensor(name: "w", shape: [1], floats: [2])], [:],
             "name used twice"),
            ([NamedTensor(name: "__metadata__", shape: [1], floats: [1])], [:], "reserved name"),
            ([], ["lema.sha256": "x"], "is added by the writer"),
        ]
        for (tensors, metadata, phrase) in cases {
            let error = CheckpointFixtures.checkpointError { try SafeTensorsFile.write(tensors: tensors, metadata: metadata, to: url) }
            #expect(error?.description.contains(phrase) == true, "\(String(describing: error))")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test("atomic write: replaces the old file and leaves no temporary files, even when the rename fails")
    func atomicWriteLeavesNoTemporaries() throws {
        let dir = try CheckpointFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("ckpt.safetensors")
        try SafeTensorsFile.write(tensors: [NamedTensor(name: "w", shape: [1], floats: [1])], metadata: [:], to: url)
        try SafeTensorsFile.write(tensors: [NamedTensor(name: "w", shape: [1], floats: [2])], metadata: [:], to: url)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["ckpt.safetensors"])
        #expect(try SafeTensorsFile.read(from: url)["w"]?.floats == [2])

        // A directory where the file should go makes the final rename fail.
        let blocked = dir.appendingPathComponent("blocked.safetensors")
        try FileManager.default.createDirectory(at: blocked, withIntermediateDirectories: false)
        let error = CheckpointFixtures.checkpointError {
            try SafeTensorsFile.write(tensors: [NamedTensor(name: "w", shape: [1], floats: [3])], metadata: [:], to: blocked)
        }
        #expect(error.map { CheckpointFixtures.kind($0.problem) } == "unwritable")
        #expect(error?.description.contains("checkpoint \(blocked.path): cannot write the file") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            == ["blocked.safetensors", "ckpt.safetensors"])
    }

    @Test("a missing file is reported as unreadable")
    func missingFile() {
        let error = CheckpointFixtures.checkpointError {
            _ = try SafeTensorsFile.read(from: URL(fileURLWithPath: "/nonexistent/lema/x.safetensors"))
        }
        #expect(error.map { CheckpointFixtures.kind($0.problem) } == "unreadable")
        #expect(error?.description.hasPrefix("checkpoint /nonexistent/lema/x.safetensors: cannot read the file") == true)
    }
}
