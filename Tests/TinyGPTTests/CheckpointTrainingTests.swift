import Foundation
import LemaCore
import Testing
@testable import TinyGPT

@Suite("Training checkpoints")
struct TrainingCheckpointTests {
    @Test("round trip restores every field bit-exactly")
    func roundTrip() throws {
        let checkpoint = try CheckpointFixtures.trainingCheckpoint()
        let dir = try CheckpointFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("step-1234.safetensors")
        try checkpoint.write(to: url)
        let restored = try TrainingCheckpoint.read(from: url)
        #expect(restored == checkpoint)
        #expect(restored.weights.map(\.name) == ["wte", "h.0.attn.c_attn.weight", "ln_f.bias"])
        #expect(restored.rngState.suffix(2) == [UInt64.max, 0])

        // What was restored is usable: the RNG continues and the cursor and tokenizer load.
        var original = SeededRNG(seed: 99)
        var resumed = try SeededRNG(stateWords: Array(restored.rngState.prefix(4)))
        #expect(original.next() == resumed.next())
        #expect(try DataCursor.load(json: restored.dataCursorJSON).consumed == 20)
        #expect(try TokenizerArchive.load(json: restored.tokenizerJSON).kind == .bpe)

        // The same checkpoint always gives the same bytes.
        let again = dir.appendingPathComponent("again.safetensors")
        try checkpoint.write(to: again)
        #expect(try Data(contentsOf: url) == Data(contentsOf: again))
    }

    @Test("tensor names in the file: weights plain, moments under optimizer.m./optimizer.v.")
    func fileNames() throws {
        let checkpoint = try CheckpointFixtures.trainingCheckpoint()
        let dir = try CheckpointFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("c.safetensors")
        try checkpoint.write(to: url)
        let file = try SafeTensorsFile.read(from: url)
        let names = ["wte", "h.0.attn.c_attn.weight", "ln_f.bias"]
        #expect(Set(file.tensors.map(\.name))
            == Set(names + names.map { "optimizer.m." + $0 } + names.map { "optimizer.v." + $0 }))
        #expect(file.metadata["lema.step"] == "1234")
        #expect(file.metadata["lema.optimizer"] == "adamw")
        #expect(file.metadata["lema.weights"] == #"["wte","h.0.attn.c_attn.weight","ln_f.bias"]"#)
        #expect(file.metadata["loss"] == "1.2345")
    }

    @Test("weights-only export holds only weights and loads as ModelWeights; so does a full checkpoint")
    func weightsOnly() throws {
        let checkpoint = try CheckpointFixtures.trainingCheckpoint()
        let dir = try CheckpointFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let weightsURL = dir.appendingPathComponent("model.safetensors")
        let fullURL = dir.appendingPathComponent("full.safetensors")
        try checkpoint.writeWeights(to: weightsURL)
        try checkpoint.write(to: fullURL)
        #expect(try SafeTensorsFile.read(from: weightsURL).tensors.count == 3)
        for url in [weightsURL, fullURL] {
            let model = try ModelWeights.read(from: url)
            #expect(model.weights == checkpoint.weights)
            #expect(model.configJSON == checkpoint.configJSON)
            #expect(model.tokenizerJSON == checkpoint.tokenizerJSON)
            #expect(model.step == 1234)
            #expect(model.metadata == checkpoint.metadata)
        }
        let error = CheckpointFixtures.checkpointError { _ = try TrainingCheckpoint.read(from: weightsURL) }
        #expect(error?.description.contains("metadata 'lema.format': is 'lema.weights', expected lema.training-checkpoint")
            == true, "\(String(describing: error))")
    }

    @Test("a checkpoint without optimizer moments round-trips with nil moments")
    func withoutMoments() throws {
        var checkpoint = try CheckpointFixtures.trainingCheckpoint()
        checkpoint.optimizerMoments = nil
        checkpoint.rngState = []
        let dir = try CheckpointFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("c.safetensors")
        try checkpoint.write(to: url)
        #expect(try TrainingCheckpoint.read(from: url) == checkpoint)
    }

    /// Corruptions of a real checkpoint file, each expected to surface as its own problem kind.
    static let corruptions: [(String, String, @Sendable (inout Data) -> Void)] = [
        ("truncated", "truncated", { $0.removeLast(5) }),
        ("cut inside header", "truncated", { $0 = $0.prefix(40) }),
        ("flipped data byte", "checksumMismatch", { $0[$0.count - 100] ^= 0x40 }),
        ("header garbage", "badHeader", { $0[8] = UInt8(ascii: "#") }),
        ("header length zeroed", "badHeader", { for i in 0..<8 { $0[i] = 0 } }),
    ]

    @Test("each corruption of a training checkpoint is detected with its own message",
          arguments: 0..<corruptions.count)
    func corruption(index: Int) throws {
        let (label, kind, corrupt) = Self.corruptions[index]
        let dir = try CheckpointFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("c.safetensors")
        try CheckpointFixtures.trainingCheckpoint().write(to: url)
        var bytes = try Data(contentsOf: url)
        corrupt(&bytes)
        try bytes.write(to: url)
        let error = CheckpointFixtures.checkpointError { _ = try TrainingCheckpoint.read(from: url) }
        #expect(error.map { CheckpointFixtures.kind($0.problem) } == kind, "\(label): \(String(describing: error))")
        #expect(error?.description.hasPrefix("checkpoint \(url.path): ") == true)
    }

    @Test("a tensor listed in the manifest but absent is reported by name")
    func missingTensor() throws {
        let dir = try CheckpointFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("c.safetensors")
        let checkpoint = try CheckpointFixtures.trainingCheckpoint()
        // Re-write the checkpoint's own tensors and metadata without the first moment of "ln_f.bias".
        try checkpoint.write(to: url)
        let full = try SafeTensorsFile.read(from: url)
        var metadata = full.metadata
        metadata["lema.sha256"] = nil
        try SafeTensorsFile.write(tensors: full.tensors.filter { $0.name != "optimizer.m.ln_f.bias" },
                                  metadata: metadata, to: url)
        let error = CheckpointFixtures.checkpointError { _ = try TrainingCheckpoint.read(from: url) }
        #expect(error?.problem == .missingTensor("optimizer.m.ln_f.bias"))
        #expect(error?.description == "checkpoint \(url.path): missing tensor 'optimizer.m.ln_f.bias' required by "
            + "the checkpoint's manifest; the file is incomplete")

        try SafeTensorsFile.write(tensors: full.tensors.filter { $0.name != "wte" }, metadata: metadata, to: url)
        #expect(CheckpointFixtures.checkpointError { _ = try ModelWeights.read(from: url) }?.problem
            == .missingTensor("wte"))
    }

    @Test("missing checksum, missing metadata and unlisted tensors are each reported")
    func manifestProblems() throws {
        let dir = try CheckpointFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("c.safetensors")
        try CheckpointFixtures.trainingCheckpoint().write(to: url)
        let full = try SafeTensorsFile.read(from: url)
        var metadata = full.metadata
        metadata["lema.sha256"] = nil

        // Without a checksum: the same file written by hand (no lema writer involved).
        let header = try JSONSerialization.data(withJSONObject: ["__metadata__": metadata])
        try CheckpointFixtures.rawFile(header: String(decoding: header, as: UTF8.self), data: []).write(to: url)
        #expect(CheckpointFixtures.checkpointError { _ = try TrainingCheckpoint.read(from: url) }?.problem
            == .missingChecksum)

        var noCursor = metadata
        noCursor["lema.cursor"] = nil
        try SafeTensorsFile.write(tensors: full.tensors, metadata: noCursor, to: url)
        #expect(CheckpointFixtures.checkpointError { _ = try TrainingCheckpoint.read(from: url) }?.problem
            == .missingMetadata("lema.cursor"))

        try SafeTensorsFile.write(tensors: full.tensors + [NamedTensor(name: "stray", shape: [1], floats: [0])],
                                  metadata: metadata, to: url)
        #expect(CheckpointFixtures.checkpointError { _ = try TrainingCheckpoint.read(from: url) }?.problem
            == .invalidTensor(name: "stray", reason: "is not listed in lema.weights"))

        var badStep = metadata
        badStep["lema.step"] = "-3"
        try SafeTensorsFile.write(tensors: full.tensors, metadata: badStep, to: url)
        #expect(CheckpointFixtures.checkpointError { _ = try TrainingCheckpoint.read(from: url) }?.problem
            == .invalidMetadata(key: "lema.step", reason: "'-3' is not a non-negative integer"))
    }

    @Test("invalid checkpoints are refused at write time")
    func invalidWrites() throws {
        let dir = try CheckpointFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("c.safetensors")
        let base = try CheckpointFixtures.trainingCheckpoint()
        var reserved = base
        reserved.metadata["lema.step"] = "7"
        var mismatched = base
        mismatched.optimizerMoments?.v.removeLast()
        var intWeight = base
        intWeight.weights[0] = NamedTensor(name: "wte", shape: [1], values: .i64([1]))
        var prefixed = base
        prefixed.weights[0].name = "optimizer.x"
        for (checkpoint, phrase) in [(reserved, "free metadata keys must not start with 'lema.'"),
                                     (mismatched, "moments must be F32 with the weights' names"),
                                     (intWeight, "weights must be F32, found I64"),
                                     (prefixed, "must not start with 'optimizer.'")] {
            let error = CheckpointFixtures.checkpointError { try checkpoint.write(to: url) }
            #expect(error?.description.contains(phrase) == true, "\(String(describing: error))")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test("flat parameter buffers slice into named tensors and back; mismatches name the tensor")
    func flatBuffers() throws {
        let layout: [(name: String, shape: [Int], range: Range<Int>)] = [("a", [2, 2], 0..<4), ("b", [3], 4..<7)]
        let flat: [Float] = [1, 2, 3, 4, 5, 6, 7]
        let tensors = NamedTensor.slices(of: flat, layout: layout)
        #expect(tensors == [NamedTensor(name: "a", shape: [2, 2], floats: [1, 2, 3, 4]),
                            NamedTensor(name: "b", shape: [3], floats: [5, 6, 7])])
        #expect(try NamedTensor.flatten(tensors.reversed(), layout: layout, count: 7, file: "f") == flat)
        #expect(CheckpointFixtures.checkpointError {
            _ = try NamedTensor.flatten([tensors[0]], layout: layout, count: 7, file: "f")
        }?.problem == .missingTensor("b"))
        let wrong = [tensors[0], NamedTensor(name: "b", shape: [1, 3], floats: [5, 6, 7])]
        let error = CheckpointFixtures.checkpointError { _ = try NamedTensor.flatten(wrong, layout: layout, count: 7, file: "f") }
        #expect(error?.description.contains("tensor 'b': expected F32 [3] for this model, found F32 [1, 3]") == true)
    }
}
