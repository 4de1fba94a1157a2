import Kernels
import LemaCore
import Testing
import TinyGPT

@Suite("GPT model: parameters and whole-model gradient")
struct ModelGradientTests {
    static let tiny = GPTConfig(vocabSize: 11, contextLength: 8, layers: 2, dModel: 8, heads: 2)

    /// A padded batch: row 1 has 3 real tokens, the loss covers only some positions.
    static func batch() -> Batch {
        var rng = SeededRNG(seed: 5)
        let B = 2, T = 5
        let tokens = (0..<(B * T)).map { _ in Int32(rng.nextInt(below: 11)) }
        let targets = (0..<(B * T)).map { _ in Int32(rng.nextInt(below: 11)) }
        let mask: [Float] = [0, 1, 1, 1, 1, 0, 1, 1, 0, 0]
        return Batch(tokens: tokens, targets: targets, lossMask: mask, batchSize: B, length: T, validLengths: [5, 3])
    }

    @Test(arguments: [("S", GPTConfig.benchS, 120_576), ("M", GPTConfig.benchM, 834_304), ("L", GPTConfig.benchL, 4_820_992)])
    func parameterCountsMatchTheReference(name: String, config: GPTConfig, expected: Int) throws {
        // Counts from bench/kernels/README.md (PyTorch's n_params of the same architecture).
        #expect(ParameterLayout(config: config).count == expected, "config \(name)")
    }

    @Test func namedTensorsTileTheBuffer() throws {
        let model = try GPT(config: Self.tiny, seed: 1)
        let tensors = model.namedTensors()
        #expect(tensors.first?.name == "wte")
        #expect(tensors.map(\.name).contains("h.1.attn.qkv.weight"))
        #expect(tensors.last?.name == "ln_f.bias")
        var next = 0
        for t in tensors {
            #expect(t.range.lowerBound == next, "\(t.name) is not contiguous")
            #expect(t.range.count == t.shape.reduce(1, *))
            next = t.range.upperBound
        }
        #expect(next == model.parameterCount)
        #expect(Set(tensors.map(\.name)).count == tensors.count)
    }

    @Test func initialisationFollowsGPT2() throws {
        let config = GPTConfig.benchM
        let model = try GPT(config: config, seed: 3)
        let p = model.parameters
        func std(_ r: Range<Int>) -> Double {
            let xs = p[r].map(Double.init)
            let mean = xs.reduce(0, +) / Double(xs.count)
            return (xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count)).squareRoot()
        }
        let byName = Dictionary(uniqueKeysWithValues: model.namedTensors().map { ($0.name, $0.range) })
        #expect(abs(std(byName["h.0.mlp.fc.weight"]!) - 0.02) < 0.001)
        #expect(abs(std(byName["h.0.attn.proj.weight"]!) - 0.02 / (8.0).squareRoot()) < 0.0005)
        #expect(p[byName["h.0.ln1.weight"]!].allSatisfy { $0 == 1 })
        #expect(p[byName["h.0.attn.qkv.bias"]!].allSatisfy { $0 == 0 })
        // Same seed, same weights; another seed, other weights.
        #expect(try GPT(config: config, seed: 3).parameters == p)
        #expect(try GPT(config: config, seed: 4).parameters != p)
    }

    /// The oracle path itself: its gradient agrees with finite differences of its loss on sampled coordinates.
    @Test func naiveModelGradientMatchesFiniteDifferences() throws {
        let model = try GPT(config: Self.tiny, seed: 7)
        let params = model.parameters.map(Double.init)
        let batch = Self.batch()
        let (_, grads) = NaiveGPT.lossAndGradients(config: Self.tiny, layout: model.layout, params: params, batch: batch)
        var rng = SeededRNG(seed: 9)
        var worst = 0.0
        for _ in 0..<30 {
            let i = rng.nextInt(below: params.count)
            var p = params
            let h = 1e-5
            p[i] += h
            let plus = NaiveGPT.lossAndGradients(config: Self.tiny, layout: model.layout, params: p, batch: batch).loss
            p[i] -= 2 * h
            let minus = NaiveGPT.lossAndGradients(config: Self.tiny, layout: model.layout, params: p, batch: batch).loss
            let numeric = (plus - minus) / (2 * h)
            worst = max(worst, abs(numeric - grads[i]) / max(abs(numeric) + abs(grads[i]), 1e-6))
        }
        print("naive model gradient vs finite differences: max rel err \(worst)")
        #expect(worst < 1e-5)
    }

    /// The fast model's loss and gradient against the Double oracle, with 1 and 2 threads.
    @Test(arguments: [1, 2])
    func modelGradientMatchesNaiveReference(threads: Int) throws {
        let model = try GPT(config: Self.tiny, seed: 7)
        // Larger weights than the 0.02 init so every path carries signal.
        let params = model.parameters.enumerated().map { i, v in v == 1 ? v : v * 20 }
        try model.setParameters(params)
        let batch = Self.batch()
        let loss = try model.forward(batch: batch, threads: threads)
        model.zeroGrad()
        try model.backward(threads: threads)
        let ref = NaiveGPT.lossAndGradients(config: Self.tiny, layout: model.layout, params: params.map(Double.init), batch: batch)
        let lossErr = abs(Double(loss) - ref.loss) / ref.loss
        let gradErr = relativeError(model.grads.array.map(Double.init), ref.grads)
        var worstTensor = (name: "", err: 0.0)
        for t in model.namedTensors() {
            let e = relativeError(t.range.map { Double(model.grads.pointer[$0]) }, Array(ref.grads[t.range]))
            if e > worstTensor.err && ref.grads[t.range].contains(where: { $0 != 0 }) { worstTensor = (t.name, e) }
        }
        print("model vs naive (threads \(threads)): loss rel err \(lossErr), grad max rel err \(gradErr), worst tensor \(worstTensor)")
        #expect(lossErr < 1e-5)
        #expect(gradErr < 1e-4)
        #expect(worstTensor.err < 1e-3)
    }

    @Test func rejectsBadBatches() throws {
        let model = try GPT(config: Self.tiny, seed: 1)
        let bad = Batch(tokens: [1, 2, 99], targets: [1, 2, 3], lossMask: [1, 1, 1], batchSize: 1, length: 3)
        #expect(throws: GPTError.invalidBatch("token id 99 at index 2 is outside the vocabulary 0..<11")) {
            try model.forward(batch: bad, threads: 1)
        }
        let long = Batch(tokens: .init(repeating: 0, count: 9), targets: .init(repeating: 0, count: 9),
                         lossMask: .init(repeating: 1, count: 9), batchSize: 1, length: 9)
        #expect(throws: GPTError.self) { try model.forward(batch: long, threads: 1) }
        #expect(throws: GPTError.self) { try GPT(config: GPTConfig(dModel: 10, heads: 4), seed: 1) }
    }
}

func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    var diff = 0.0, scale = 1e-30
    for i in a.indices {
        diff = max(diff, abs(a[i] - b[i]))
        scale = max(scale, abs(b[i]))
    }
    return diff / scale
}
