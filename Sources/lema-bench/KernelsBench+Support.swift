import Foundation
import Kernels
import KernelsAVX512
import LemaCore
import TinyGPT

extension KernelsBench {
    static func parse(_ args: [String]) throws -> Options {
        var o = Options()
        var it = args.makeIterator()
        func value(_ flag: String) throws -> String {
            guard let v = it.next() else { throw BenchError("\(flag) needs a value") }
            return v
        }
        while let a = it.next() {
            switch a {
            case "--configs": o.configs = try value(a).split(separator: ",").map(String.init)
            case "--threads": o.threads = Int(try value(a)) ?? 2
            case "--window-s": o.windowSeconds = Double(try value(a)) ?? 2
            case "--windows": o.windows = Int(try value(a)) ?? 5
            case "--rounds": o.rounds = max(1, Int(try value(a)) ?? 1)
            case "--sample-modes": o.sampleModes = try value(a).split(separator: ",").map(String.init)
            case "--skip-train": o.train = false
            case "--no-gemm": o.gemm = false
            case "--gemm-only": o.train = false; o.sampleModes = []; o.configs = []
            case "--peak": o.peak = Double(try value(a))
            case "--blas-core": o.blasCore = try value(a)
            case "--no-torch": o.torch = false
            case "--torch-script": o.torchScript = try value(a)
            case "--help", "-h":
                print("""
                    lema-bench kernels [--configs S,M,L] [--threads 2] [--window-s 2] [--windows 5] [--rounds 1]
                      [--sample-modes kv,nocache] [--skip-train] [--no-gemm | --gemm-only] [--peak GFLOPS]
                      [--blas-core Haswell|SkylakeX|env]   (re-executes with OPENBLAS_CORETYPE set; default: SkylakeX
                      on Intel CPUs with AVX-512, else Haswell; env: keep the environment's)
                      [--no-torch] [--torch-script PATH]
                    The PyTorch peer (torch_gpt.py, same workload) runs per config right before ours when a Python
                    with torch is found (LEMA_PYTHON, else ~/venv-bench/bin/python; script: LEMA_TORCH_BENCH, else
                    ../shared/bench/kernels/torch_gpt.py from the working directory); otherwise the ratios use the
                    stored reference figures and say so. --rounds N alternates the two N times per config (PyTorch,
                    ours, PyTorch, ours, …) and compares the medians of the rounds: the machine's speed drifts by
                    ±20% over minutes, and alternating spreads that drift over both sides.
                    """)
                exit(0)
            default: throw BenchError("unknown option \(a); see --help")
            }
        }
        return o
    }

    /// OpenBLAS picks its kernel when the library loads, so a different one needs a fresh process: an explicit
    /// --blas-core wins; otherwise an unset OPENBLAS_CORETYPE with a generic fallback kernel is replaced by the
    /// best one for this CPU (see `BLAS.missingEnvironment`).
    /// Without --blas-core the benchmark asks for the fastest kernel checked on this CPU family
    /// (`BLAS.fastestCheckedCoreType`: SkylakeX on Intel with AVX-512, Haswell elsewhere); `--blas-core env` keeps
    /// the environment's OPENBLAS_CORETYPE.
    static func reexecIfNeeded(_ o: Options) {
        let before = BLAS.coreName
        let want = o.blasCore == "env" ? nil : (o.blasCore ?? BLAS.fastestCheckedCoreType())
        let missing = BLAS.missingEnvironment(preferred: want)
        if !missing.isEmpty {
            for setting in missing { setenv(setting.name, setting.value, 1) }
            var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) } + [nil]
            execv("/proc/self/exe", &argv)  // returns only on failure
        }
        if let want, want != before { print("warning: could not switch OpenBLAS to \(want)") }
    }

    /// GFLOP/s of the GEMMs the model runs (N = 32·128 rows), each as forward, input-gradient and weight-gradient
    /// products, and of square sizes, against the FMA peak — for the GEMM the kernels use and, beside it, OpenBLAS.
    static func gemmReport(_ o: Options) {
        let peak = o.peak ?? measuredFMAPeak(threads: o.threads)
        let backends: [GEMM.Backend] = GEMM.hasAVX512 ? [.avx512, .openBLAS] : [.openBLAS]
        print("\nGEMM, row blocks on \(o.threads) threads as in the kernels; GFLOP/s (wall) and share of the \(Int(peak)) GFLOP/s FMA peak (\(o.peak == nil ? "measured now, \(o.threads) threads, register-only AVX-512 FMAs" : "--peak")); kernels use \(GEMM.backend.rawValue); OpenBLAS core \(BLAS.coreName):")
        print("| shape (M×N×K) | what | " + backends.map { "\($0.rawValue) GFLOP/s | of peak" }.joined(separator: " | ") + " |")
        print("| --- | --- |" + String(repeating: " ---: | ---: |", count: backends.count))
        var shapes: [(Int, Int, Int, Bool, Bool, String)] = []
        for (name, d) in [("S", 64), ("M", 128), ("L", 256)] {
            let N = 4096
            shapes += [
                (N, 3 * d, d, false, true, "\(name) qkv fwd"), (N, 4 * d, d, false, true, "\(name) fc fwd"),
                (N, d, 4 * d, false, true, "\(name) fc2 fwd"), (N, d, 4 * d, false, false, "\(name) fc dinp"),
                (4 * d, d, N, true, false, "\(name) fc dW"),
            ]
        }
        for n in [256, 512, 1024] { shapes.append((n, n, n, false, false, "square")) }
        for (m, n, k, ta, tb, what) in shapes {
            let a = FloatBuffer(count: m * k, value: 0.01), b = FloatBuffer(count: k * n, value: 0.02)
            let c = FloatBuffer(count: m * n)
            var cells: [String] = []
            for backend in backends {
                // The kernels' scheme: row blocks of C, one single-threaded GEMM call per thread.
                func run() {
                    Parallel.forEachChunk(count: m, threads: o.threads) { rows in
                        GEMM.sgemm(using: backend, transA: ta, transB: tb, m: rows.count, n: n, k: k,
                                   a: a.pointer + (ta ? rows.lowerBound : rows.lowerBound * k), lda: ta ? m : k,
                                   b: b.pointer, ldb: tb ? k : n, accumulate: false, c: c.pointer + rows.lowerBound * n, ldc: n)
                    }
                }
                run()
                let flops = 2.0 * Double(m * n * k)
                let g = flops / bestSecondsPerCall(repeats: max(3, Int(2e9 / flops)), run) / 1e9
                cells.append(String(format: "%.0f | %.0f%%", g, 100 * g / peak))
            }
            print("| \(m)×\(n)×\(k) | \(what) | " + cells.joined(separator: " | ") + " |")
        }
        decodeGEMMReport(o, peak: peak)
    }
}

extension KernelsBench {
    /// Seconds per call of `body`: the best of 5 timings of `repeats` calls in a row.
    static func bestSecondsPerCall(repeats: Int, _ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<5 {
            let t0 = Date()
            for _ in 0..<repeats { body() }
            best = min(best, Date().timeIntervalSince(t0) / Double(repeats))
        }
        return best
    }

    /// GFLOP/s of register-only AVX-512 FMAs on `threads` threads at once (best of 5 runs of ≈ 0.1 s): the ceiling the
    /// GEMM figures are a share of. Not measured without AVX-512 (NaN: pass --peak).
    static func measuredFMAPeak(threads: Int) -> Double {
        guard GEMM.hasAVX512 else { return .nan }
        let iterations = 20_000_000
        var best = Double.infinity
        for _ in 0..<5 {
            let t0 = Date()
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                if FMAPeak.run(iterations: iterations) == 42 { print("") }  // keeps the result alive
            }
            best = min(best, Date().timeIntervalSince(t0))
        }
        return FMAPeak.flops(iterations: iterations) * Double(threads) / best / 1e9
    }
}

extension KernelsBench {
/// The benchmark's text: Python stdlib sources in sorted order, lower-cased, mapped to the reference's 64-symbol
/// vocabulary (unknown → '_'), first 1,000,000 symbols; a deterministic pseudo-text when no Python is installed.
struct Corpus {
    static let vocab = Array("\n !\"#%&'()*+,-./0123456789:;<=>?[]_abcdefghijklmnopqrstuvwxyz{|}")
    let ids: [Int32]
    let source: String

    static func load(limit: Int = 1_000_000) -> Corpus {
        var lut = [Character: Int32]()
        for (i, ch) in vocab.enumerated() { lut[ch] = Int32(i) }
        let unk = lut["_"]!
        let fm = FileManager.default
        let dirs = ((try? fm.contentsOfDirectory(atPath: "/usr/lib")) ?? []).filter { $0.hasPrefix("python3") }.sorted()
        if let dir = dirs.last.map({ "/usr/lib/" + $0 }), let names = try? fm.contentsOfDirectory(atPath: dir) {
            var ids: [Int32] = []
            for name in names.filter({ $0.hasSuffix(".py") }).sorted() {
                guard let text = try? String(contentsOfFile: dir + "/" + name, encoding: .utf8) else { continue }
                for ch in text.lowercased() { ids.append(lut[ch] ?? unk) }
                if ids.count >= limit { break }
            }
            if ids.count > 10_000 { return Corpus(ids: Array(ids.prefix(limit)), source: dir) }
        }
        var rng = SeededRNG(seed: 42)
        return Corpus(ids: (0..<limit).map { _ in Int32(rng.nextInt(below: vocab.count)) }, source: "synthetic")
    }
}
}

extension KernelsBench {
    /// CPU used by other processes during a timed window, in cores (as bench/kernels/benchutil.py): total busy
    /// time from /proc/stat minus this process's own CPU time, over the wall time. Above ~0.1 the window is
    /// contaminated by other work on the machine.
    struct Contention {
        let start = Date()
        let busy0 = Contention.totalBusySeconds()
        let own0 = Contention.ownCPUSeconds()

        var otherCores: Double {
            let wall = Date().timeIntervalSince(start)
            let busy = Contention.totalBusySeconds() - busy0, own = Contention.ownCPUSeconds() - own0
            return max(0, (busy - own) / max(wall, 1e-9))
        }

        static func totalBusySeconds() -> Double {
            guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
                let line = text.split(separator: "\n").first
            else { return 0 }
            let f = line.split(separator: " ").dropFirst().compactMap { Double($0) }
            guard f.count >= 8 else { return 0 }
            let busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7]  // user nice system irq softirq steal
            return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
        }

        static func ownCPUSeconds() -> Double {
            var u = rusage()
            #if os(Linux)
            getrusage(RUSAGE_SELF.rawValue, &u)
            #else
            getrusage(RUSAGE_SELF, &u)
            #endif
            return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
        }
    }
}

extension KernelsBench {
    /// GFLOP/s of the decode steps' products (32 rows, weights packed once as the KV cache holds them), per weight
    /// shape of each config: `hot` repeats one weight (it stays in L2); `streamed` goes through a whole model's
    /// weights in layer order, as a decode step does, so each comes from L3 or memory — the gap is the cost of
    /// reading weights, and the GB/s column the rate they are read at.
    static func decodeGEMMReport(_ o: Options, peak: Double) {
        guard GEMM.backend == .avx512 else { return }
        print("\nDecode products (32 rows × packed weight, \(o.threads) threads, columns split by panels as in sampling):")
        print("| config | weight (OC×IC) | hot GFLOP/s | of peak | streamed GFLOP/s | of peak | streamed weight GB/s |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        let rows = 32
        for (name, config) in [("S", GPTConfig.benchS), ("M", .benchM), ("L", .benchL)] {
            let d = config.dModel
            let shapes = [(3 * d, d), (d, d), (4 * d, d), (d, 4 * d)]
            // A model's worth of each shape, laid out as the layers use them.
            let weights = (0..<config.layers).map { _ in
                shapes.map { (oc, ic) -> (FloatBuffer, PackedWeight?) in
                    let w = FloatBuffer(count: oc * ic, value: 0.01)
                    return (w, PackedWeight(weight: w.pointer, OC: oc, IC: ic))
                }
            }
            let inp = FloatBuffer(count: rows * 4 * d, value: 0.02), out = FloatBuffer(count: rows * 4 * d)
            func product(_ layer: Int, _ s: Int) {
                let (oc, ic) = shapes[s], (w, packed) = weights[layer][s]
                Matmul.forward(out: out.pointer, inp: inp.pointer, weight: w.pointer, bias: nil, N: rows, IC: ic, OC: oc,
                               packed: packed, threads: o.threads)
            }
            // streamed: one pass over all layers' weights; the share of each shape is timed inside that order
            var streamed = [Double](repeating: .infinity, count: shapes.count)
            for _ in 0..<30 {
                var t = [Double](repeating: 0, count: shapes.count)
                for layer in 0..<config.layers {
                    for s in shapes.indices {
                        let t0 = Date()
                        product(layer, s)
                        t[s] += Date().timeIntervalSince(t0)
                    }
                }
                for s in shapes.indices { streamed[s] = min(streamed[s], t[s] / Double(config.layers)) }
            }
            for (s, (oc, ic)) in shapes.enumerated() {
                let flops = 2.0 * Double(rows * oc * ic)
                let hot = bestSecondsPerCall(repeats: 20) { product(0, s) }
                let gHot = flops / hot / 1e9, gStreamed = flops / streamed[s] / 1e9
                print(String(format: "| %@ | %d×%d | %.0f | %.0f%% | %.0f | %.0f%% | %.1f |", name, oc, ic, gHot,
                             100 * gHot / peak, gStreamed, 100 * gStreamed / peak, Double(oc * ic * 4) / streamed[s] / 1e9))
            }
        }
    }
}
