import LemaCore
import Testing
import TinyGPT

/// Reversal task: "d₁…d_k |" → "d_k…d₁". Ids 0–9 are digits, 10 is the separator.
enum ReverseTask {
    static let k = 4
    static let separator: Int32 = 10
    static let config = GPTConfig(vocabSize: 11, contextLength: 2 * k + 1, layers: 2, dModel: 48, heads: 4)

    static func example(_ rng: inout SeededRNG) -> (prompt: [Int32], answer: [Int32]) {
        let digits = (0..<k).map { _ in Int32(rng.nextInt(below: 10)) }
        return (digits + [separator], Array(digits.reversed()))
    }

    /// B examples; input = sequence minus its last token, loss only on positions that predict answer digits.
    static func batch(_ rng: inout SeededRNG, size B: Int) -> Batch {
        let T = 2 * k
        var tokens: [Int32] = [], targets: [Int32] = [], mask: [Float] = []
        for _ in 0..<B {
            let (p, a) = example(&rng)
            let seq = p + a
            tokens += seq[0..<T]
            targets += seq[1...]
            mask += (0..<T).map { $0 >= k ? 1 : 0 }
        }
        return Batch(tokens: tokens, targets: targets, lossMask: mask, batchSize: B, length: T)
    }

    static func exactMatch(_ model: GPT, examples: Int, seed: UInt64) throws -> Double {
        var rng = SeededRNG(seed: seed)
        let items = (0..<examples).map { _ in example(&rng) }
        let out = try Sampler.generate(model: model, prompts: items.map(\.prompt), options: .greedy(maxNewTokens: k), threads: 2)
        return Double(zip(out.tokens, items).filter { $0.0 == $0.1.answer }.count) / Double(examples)
    }
}

@Suite("Training: learning, optimiser, determinism")
struct TrainingTests {
    static let optimizer = AdamWConfig(
        schedule: .warmupCosine(peak: 3e-3, minimum: 3e-4, warmupSteps: 20, totalSteps: 250), weightDecay: 0.01)

    @Test func learnsToReverseDigits() throws {
        // One thread: the suite's other tests run in parallel on this 2-core machine (threads are covered below).
        let trainer = try Trainer(config: ReverseTask.config, optimizer: Self.optimizer, seed: 1, threads: 1)
        let before = try ReverseTask.exactMatch(trainer.model, examples: 200, seed: 99)
        var firstLoss: Float = 0, lastLoss: Float = 0
        for s in 0..<250 {
            let loss = try trainer.step(batch: ReverseTask.batch(&trainer.rng, size: 32))
            if s == 0 { firstLoss = loss }
            lastLoss = loss
        }
        let after = try ReverseTask.exactMatch(trainer.model, examples: 200, seed: 99)
        print("reverse-\(ReverseTask.k): exact match \(before) → \(after), loss \(firstLoss) → \(lastLoss)")
        #expect(before < 0.05)  // chance is 1e-4
        #expect(abs(Double(firstLoss) - 2.398) < 0.2)  // ≈ ln 11 at init
        #expect(after >= 0.95)
    }

    @Test func adamWStepMatchesHandComputation() throws {
        // One parameter of each kind, gradient 0.5, lr 0.1, wd 0.1, step 1:
        // m̂ = 0.5, v̂ = 0.25 → update 0.1·0.5/0.5 = 0.1; decayed: 1·(1 − 0.01) − 0.1 = 0.89; not decayed: 0.9.
        let cfg = AdamWConfig(schedule: .constant(0.1), weightDecay: 0.1, gradClip: nil)
        var p: [Float] = [1, 1], m: [Float] = [0, 0], v: [Float] = [0, 0]
        let g: [Float] = [0.5, 0.5], mask: [Float] = [1, 0]
        AdamW.update(params: &p, grads: g, m: &m, v: &v, decayMask: mask, count: 2, lr: 0.1, step: 1, gradScale: 1,
                     config: cfg, threads: 1)
        #expect(abs(p[0] - 0.89) < 1e-6)
        #expect(abs(p[1] - 0.9) < 1e-6)
        #expect(abs(m[0] - 0.05) < 1e-7 && abs(v[0] - 0.0125) < 1e-7)
    }

    @Test func learningRateSchedule() {
        let s = LRSchedule.warmupCosine(peak: 1, minimum: 0.1, warmupSteps: 10, totalSteps: 110)
        #expect(s.rate(atStep: 0) == 0.1)
        #expect(s.rate(atStep: 9) == 1)
        #expect(abs(s.rate(atStep: 60) - 0.55) < 1e-6)  // halfway through the cosine
        #expect(s.rate(atStep: 500) == 0.1)
        #expect(LRSchedule.constant(0.3).rate(atStep: 1000) == 0.3)
    }

    @Test func gradientClippingBoundsTheUpdate() throws {
        let clipped = AdamWConfig(schedule: .constant(1e-3), gradClip: 1e-3)
        let trainer = try Trainer(config: ReverseTask.config, optimizer: clipped, seed: 2)
        try trainer.step(batch: ReverseTask.batch(&trainer.rng, size: 8))
        #expect(trainer.lastGradNorm > 1e-3)  // clipping was active
    }

    /// Same seed → bit-identical weights with 1 and 2 threads.
    @Test func weightsDoNotDependOnThreads() throws {
        func run(threads: Int) throws -> ([Float], [Float]) {
            let trainer = try Trainer(config: ReverseTask.config, optimizer: Self.optimizer, seed: 3, threads: threads)
            var losses: [Float] = []
            for _ in 0..<6 { losses.append(try trainer.step(batch: ReverseTask.batch(&trainer.rng, size: 16))) }
            return (trainer.model.parameters, losses)
        }
        let (w1, l1) = try run(threads: 1), (w2, l2) = try run(threads: 2)
        #expect(w1 == w2)
        #expect(l1 == l2)
    }

    /// Interrupt at step 4, save the state, restore into a fresh trainer, continue: same weights and losses.
    @Test func resumeIsBitExact() throws {
        let total = 8, cut = 4
        let straight = try Trainer(config: ReverseTask.config, optimizer: Self.optimizer, seed: 4, threads: 2)
        var straightLosses: [Float] = []
        for _ in 0..<total { straightLosses.append(try straight.step(batch: ReverseTask.batch(&straight.rng, size: 16))) }

        let first = try Trainer(config: ReverseTask.config, optimizer: Self.optimizer, seed: 4, threads: 1)
        var losses: [Float] = []
        for _ in 0..<cut { losses.append(try first.step(batch: ReverseTask.batch(&first.rng, size: 16))) }
        let saved = first.state()
        #expect(saved.step == cut)
        let resumed = try Trainer(state: saved, threads: 2)
        for _ in cut..<total { losses.append(try resumed.step(batch: ReverseTask.batch(&resumed.rng, size: 16))) }
        #expect(losses == straightLosses)
        #expect(resumed.model.parameters == straight.model.parameters)
        #expect(resumed.state() == straight.state())
    }

    @Test func restoreRejectsMismatchedState() throws {
        let trainer = try Trainer(config: ReverseTask.config, seed: 5)
        var state = trainer.state()
        state.adamM.removeLast()
        #expect(throws: GPTError.self) { try trainer.restore(state) }
        var other = trainer.state()
        other.rngState = [0, 0, 0, 0]
        #expect(throws: GPTError.self) { try trainer.restore(other) }
    }
}
