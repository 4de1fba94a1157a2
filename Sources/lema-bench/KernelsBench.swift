import Foundation
import Kernels
import LemaCore
import TinyGPT

/// `lema-bench kernels`: the tiny-GPT workload of bench/kernels/torch_gpt.py (configs S, M, L; vocab 64,
/// batch 32 × context 128, fp32, 2 threads) — training tokens/s, sampling tokens/s with and without the KV cache —
/// plus GEMM GFLOP/s at the model's shapes against the FMA peak. Not a test: run it on a quiet machine, release build.
enum KernelsBench {
    struct Options {
        var configs = ["S", "M", "L"]
        var threads = 2
        var windowSeconds = 2.0
        var windows = 5
        /// Times PyTorch and ours alternate per config; the table compares the medians of the rounds.
        var rounds = 1
        var warmupSteps = 5
        var train = true
        var sampleModes = ["kv", "nocache"]
        var gemm = true
        var peak: Double? = nil  // GFLOP/s the GEMM shares refer to; nil: measured (FMAPeak) at the report
        var blasCore: String? = nil
        /// Run torch_gpt.py in this run (when a Python with torch is found); false: stored reference figures.
        var torch = true
        var torchScript: String? = nil
    }

    /// PyTorch 2.15 eager, 2 threads, from bench/kernels/results-2026-11-30.md (medians over invocations).
    static let reference: [String: (train: Double, kv: Double, nocache: Double)] = [
        "S": (123_356, 84_914, 3_808), "M": (24_437, 26_319, 829), "L": (5_576, 4_992, 179),
    ]

    static func main(_ args: [String]) throws {
        let o = try parse(args)
        reexecIfNeeded(o)
        print("lema-bench kernels — GEMM \(GEMM.backend.rawValue) (LEMA_GEMM=\(ProcessInfo.processInfo.environment["LEMA_GEMM"] ?? "unset")), OpenBLAS core \(BLAS.coreName) (OPENBLAS_CORETYPE=\(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "unset")), threads \(o.threads)")
        let corpus = Corpus.load()
        print("corpus: \(corpus.source), \(corpus.ids.count) symbols")
        let peer = o.torch ? TorchPeer.locate(scriptOverride: o.torchScript) : nil
        if let peer {
            print("PyTorch peer: \(peer.python) \(peer.script) (run per config, right before ours)")
        } else {
            print("PyTorch peer: not run (\(o.torch ? "no LEMA_PYTHON or ~/venv-bench/bin/python, or no torch_gpt.py found" : "--no-torch")); ratios use the stored reference")
        }
        var rows: [String] = [], sources: [String] = []
        for name in o.configs {
            guard let config = ["S": GPTConfig.benchS, "M": .benchM, "L": .benchL][name] else {
                throw BenchError("unknown config \(name); use S, M or L")
            }
            var ours: [Figures] = [], theirs: [TorchFigures] = []
            for round in 1...o.rounds {
                if o.rounds > 1 { print("[\(name)] round \(round) of \(o.rounds)") }
                if let t = peer?.run(config: name, o: o) { theirs.append(t) }
                let mine = try measure(name: name, config: config, corpus: corpus, o: o)
                ours.append(mine)
                if o.rounds > 1, let t = theirs.last { print("[\(name)] round \(round): " + mine.ratios(to: t)) }
            }
            let torch = theirs.isEmpty ? storedTorch(name) : TorchFigures.median(of: theirs)
            rows.append(row(name: name, ours: Figures.median(of: ours), torch: torch))
            sources.append("\(name): \(torch?.source ?? "no PyTorch figures")")
        }
        print("\n| config | train tok/s | torch | ×torch | sample KV tok/s | torch | ×torch | sample no-cache tok/s | torch | ×torch |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        rows.forEach { print($0) }
        print("×torch = ours / PyTorch (\(o.threads) threads, median windows/runs). PyTorch figures: " + sources.joined(separator: "; "))
        print("! = other processes used ≥ 0.1 cores (median) during PyTorch's windows; two-thread OpenMP slows down far more than 2× when another process takes a core, so such ratios flatter us: compare on a quiet machine (our windows print their other-process cores above).")
        if o.gemm { gemmReport(o) }
    }

    /// Our tokens/s for one config: training, KV sampling, no-cache sampling (nil when not measured).
    struct Figures {
        var train: Double?
        var kv: Double?
        var nocache: Double?

        /// Per part, the median over rounds of the figures measured.
        static func median(of all: [Figures]) -> Figures {
            Figures(train: KernelsBench.median(ofPresent: all.map(\.train)),
                    kv: KernelsBench.median(ofPresent: all.map(\.kv)),
                    nocache: KernelsBench.median(ofPresent: all.map(\.nocache)))
        }

        /// "train 5,270 vs 4,933 ×1.07, kv …": this round's figures and ratios to PyTorch's.
        func ratios(to t: TorchFigures) -> String {
            [("train", train, t.train), ("kv", kv, t.kv), ("no-cache", nocache, t.nocache)]
                .compactMap { part, ours, theirs in
                    guard let ours, let theirs, theirs > 0 else { return nil }
                    return "\(part) \(fmt(ours)) vs \(fmt(theirs)) ×\(String(format: "%.2f", ours / theirs))"
                }
                .joined(separator: ", ")
        }
    }

    static func measure(name: String, config: GPTConfig, corpus: Corpus, o: Options) throws -> Figures {
        var figures = Figures()
        let model: GPT
        if o.train {
            let (tokS, msStep, trainer) = try benchTrain(config: config, corpus: corpus, o: o)
            model = trainer.model
            let flops = approxTrainFlopsPerToken(config, T: 128)
            print("[\(name)] train \(fmt(tokS)) tok/s (\(String(format: "%.1f", msStep)) ms/step, ≈\(String(format: "%.0f", tokS * flops / 1e9)) GFLOP/s)")
            figures.train = tokS
        } else {
            model = try GPT(config: config, seed: 0)
        }
        for mode in ["kv", "nocache"] where o.sampleModes.contains(mode) {
            let tokS = try benchSample(model: model, corpus: corpus, kv: mode == "kv", o: o)
            print("[\(name)] sample[\(mode)] \(fmt(tokS)) tok/s")
            if mode == "kv" { figures.kv = tokS } else { figures.nocache = tokS }
        }
        return figures
    }

    /// The table row: ours, PyTorch's and the ratio per part.
    static func row(name: String, ours: Figures, torch: TorchFigures?) -> String {
        func cells(_ mine: Double?, _ theirs: Double?, _ part: String) -> [String] {
            guard let mine else { return ["-", "-", "-"] }
            guard let theirs, theirs > 0 else { return [fmt(mine), "-", "-"] }
            let mark = torch?.contaminated.contains(part) == true ? "!" : ""
            return [fmt(mine), fmt(theirs) + mark, String(format: "%.2f", mine / theirs) + mark]
        }
        let all = cells(ours.train, torch?.train, "train") + cells(ours.kv, torch?.kv, "kv")
            + cells(ours.nocache, torch?.nocache, "nocache")
        return "| \(name) | " + all.joined(separator: " | ") + " |"
    }

    /// Training throughput: random windows of 129 symbols, AdamW(lr 1e-3, betas 0.9/0.95, wd 0.1 on matrices),
    /// no clipping (as the reference); warm-up steps, then windows of ≈ windowSeconds; median window.
    static func benchTrain(config: GPTConfig, corpus: Corpus, o: Options) throws -> (Double, Double, Trainer) {
        let B = 32, T = 128
        let opt = AdamWConfig(schedule: .constant(1e-3), beta1: 0.9, beta2: 0.95, weightDecay: 0.1, gradClip: nil)
        let trainer = try Trainer(config: config, optimizer: opt, seed: 0, threads: o.threads)
        var rng = SeededRNG(seed: 1234)
        let mask = [Float](repeating: 1, count: B * T)
        var tokens = [Int32](repeating: 0, count: B * T), targets = tokens
        func step() throws -> Float {
            for b in 0..<B {
                let start = rng.nextInt(below: corpus.ids.count - T - 1)
                for t in 0..<T {
                    tokens[b * T + t] = corpus.ids[start + t]
                    targets[b * T + t] = corpus.ids[start + t + 1]
                }
            }
            return try trainer.step(batch: Batch(tokens: tokens, targets: targets, lossMask: mask, batchSize: B, length: T))
        }
        let first = try step()
        for _ in 1..<o.warmupSteps { _ = try step() }
        var t0 = Date()
        _ = try step()
        let one = Date().timeIntervalSince(t0)
        let perWindow = max(2, Int(o.windowSeconds / one))
        var rates: [Double] = [], others: [Double] = [], cpuMs: [Double] = []
        var last: Float = 0
        for _ in 0..<o.windows {
            let c = Contention()
            t0 = Date()
            for _ in 0..<perWindow { last = try step() }
            rates.append(Double(B * T * perWindow) / Date().timeIntervalSince(t0))
            others.append(c.otherCores)
            cpuMs.append(1000 * (Contention.ownCPUSeconds() - c.own0) / Double(perWindow))
        }
        print("[train] own CPU per step \(cpuMs.map { String(format: "%.1f ms", $0) }.joined(separator: " ")) (all threads)")
        let med = median(rates)
        print("[train] windows \(rates.map { fmt($0) }.joined(separator: " ")) tok/s; other-process cores \(others.map { String(format: "%.2f", $0) }.joined(separator: " ")); \(perWindow) steps/window; loss \(String(format: "%.3f", first)) → \(String(format: "%.3f", last))")
        return (med, 1000 * Double(B * T) / med, trainer)
    }

    /// Sampling throughput: 32 prompts × 32 symbols, 128 new tokens each, temperature 1; one warm-up run, then
    /// 5 (KV) or 3 (no cache) timed runs; tokens/s = 4096 / median run time (prefill included).
    static func benchSample(model: GPT, corpus: Corpus, kv: Bool, o: Options) throws -> Double {
        let B = 32, P = 32, newTokens = 128
        var rng = SeededRNG(seed: 99)
        let prompts = (0..<B).map { _ in
            let s = rng.nextInt(below: corpus.ids.count - P)
            return Array(corpus.ids[s..<(s + P)])
        }
        var options = SamplingOptions(maxNewTokens: newTokens, temperature: 1, seed: 7, useKVCache: kv)
        let warm = try Sampler.generate(model: model, prompts: prompts, options: options, threads: o.threads)
        guard warm.tokens.allSatisfy({ $0.count == newTokens }) else { throw BenchError("sampler stopped early") }
        var times: [Double] = [], others: [Double] = [], cpu: [Double] = []
        for run in 0..<(kv ? 5 : 3) {
            options.seed = UInt64(8 + run)
            let c = Contention()
            let t0 = Date()
            _ = try Sampler.generate(model: model, prompts: prompts, options: options, threads: o.threads)
            times.append(Date().timeIntervalSince(t0))
            others.append(c.otherCores)
            cpu.append(Contention.ownCPUSeconds() - c.own0)
        }
        print("[sample \(kv ? "kv" : "nocache")] own CPU per run \(cpu.map { String(format: "%.3f s", $0) }.joined(separator: " "))")
        print("[sample \(kv ? "kv" : "nocache")] runs \(times.map { String(format: "%.3f s", $0) }.joined(separator: " ")); other-process cores \(others.map { String(format: "%.2f", $0) }.joined(separator: " "))")
        return Double(B * newTokens) / median(times)
    }

    static func approxTrainFlopsPerToken(_ c: GPTConfig, T: Int) -> Double {
        let d = Double(c.dModel), L = Double(c.layers)
        return 6 * (L * 12 * d * d + Double(c.vocabSize) * d) + 3 * (L * 2 * Double(T) * d)
    }

    /// The median of the values present, nil when none is.
    static func median(ofPresent xs: [Double?]) -> Double? {
        let values = xs.compactMap { $0 }
        return values.isEmpty ? nil : median(values)
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    static func fmt(_ x: Double) -> String {
        let n = Int(x.rounded())
        var s = String(n), out = ""
        while s.count > 3 {
            out = "," + s.suffix(3) + out
            s = String(s.dropLast(3))
        }
        return s + out
    }
}

extension KernelsBench {
    struct BenchError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }
}
