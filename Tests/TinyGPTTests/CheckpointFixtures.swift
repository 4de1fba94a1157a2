import Foundation
import LemaCore
@testable import TinyGPT

/// Helpers shared by the checkpoint tests.
enum CheckpointFixtures {
    /// A fresh empty directory under the system temporary directory.
    static func temporaryDirectory(_ label: String = #function) throws -> URL {
        let name = "lema-ckpt-\(label.filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString)"
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Raw safetensors bytes from a header text and a data section, built by hand (independent of the writer).
    static func rawFile(header: String, data: [UInt8], headerLength: UInt64? = nil) -> Data {
        var out = Data()
        let length = headerLength ?? UInt64(header.utf8.count)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(i)))) }
        out.append(contentsOf: header.utf8)
        out.append(contentsOf: data)
        return out
    }

    /// The name of a problem's case, for asserting which kind of error was raised.
    static func kind(_ problem: CheckpointError.Problem) -> String {
        switch problem {
        case .unreadable: "unreadable"
        case .unwritable: "unwritable"
        case .truncated: "truncated"
        case .badHeader: "badHeader"
        case .checksumMismatch: "checksumMismatch"
        case .missingChecksum: "missingChecksum"
        case .missingTensor: "missingTensor"
        case .missingMetadata: "missingMetadata"
        case .invalidTensor: "invalidTensor"
        case .invalidMetadata: "invalidMetadata"
        }
    }

    /// Runs `body` and returns the CheckpointError it throws (nil if it does not throw one).
    static func checkpointError(_ body: () throws -> Void) -> CheckpointError? {
        do {
            try body()
            return nil
        } catch let error as CheckpointError {
            return error
        } catch {
            return nil
        }
    }

    /// Random floats in [-1, 1).
    static func floats(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SeededRNG(seed: seed)
        return (0..<count).map { _ in rng.nextFloat() * 2 - 1 }
    }

    /// A small but complete training checkpoint (two weights, AdamW moments, BPE tokenizer, cursor, RNG).
    static func trainingCheckpoint() throws -> TrainingCheckpoint {
        let shapes: [(String, [Int])] = [("wte", [6, 4]), ("h.0.attn.c_attn.weight", [4, 12]), ("ln_f.bias", [4])]
        func tensors(_ seed: UInt64) -> [NamedTensor] {
            shapes.enumerated().map { i, item in
                NamedTensor(name: item.0, shape: item.1, floats: floats(item.1.reduce(1, *), seed: seed + UInt64(i)))
            }
        }
        var cursor = try DataCursor(exampleCount: 17, seed: 5)
        for _ in 0..<20 { cursor.advance() }
        let tokenizer = BPETokenizer.train(texts: MathFixtures.problems, maxMerges: 30)
        return TrainingCheckpoint(
            step: 1234,
            configJSON: #"{"layers":2,"note":"quotes \" and\nnewlines, ünïcødé"}"#,
            tokenizerJSON: try tokenizer.jsonString(),
            weights: tensors(1),
            optimizerMoments: .init(m: tensors(100), v: tensors(200).map {
                NamedTensor(name: $0.name, shape: $0.shape, floats: $0.floats!.map { $0 * $0 })
            }),
            rngState: SeededRNG(seed: 99).stateWords + [UInt64.max, 0],
            dataCursorJSON: try cursor.jsonString(),
            metadata: ["loss": "1.2345", "note": "free text"])
    }
}
