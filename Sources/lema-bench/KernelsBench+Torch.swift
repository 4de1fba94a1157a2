import Foundation

/// The PyTorch peer: `torch_gpt.py` (bench/kernels of the shared checkout) run in the same benchmark invocation,
/// config by config right before our own run of that config, so both see the same machine state. Issue 3 asks
/// for the comparison "measured side by side in one run"; stored numbers are only a labelled fallback.
extension KernelsBench {
    /// PyTorch's figures for one config (tokens/s; nil when that part was not run or failed).
    struct TorchFigures {
        var train: Double?
        var kv: Double?
        var nocache: Double?
        /// Where the figures come from, printed next to the ratios.
        var source: String
        /// Parts whose timed windows ran while other processes used ≥ 0.1 cores (median over the windows, as
        /// torch_gpt.py measures them); their ratios are marked "!".
        var contaminated: Set<String> = []
        /// Median other-process cores per part, printed with the figures.
        var otherCores: [String: Double] = [:]

        /// Per part, the median over rounds; a part is marked contaminated when more than half its rounds were.
        static func median(of all: [TorchFigures]) -> TorchFigures {
            guard let first = all.first, all.count > 1 else { return all.first ?? TorchFigures(source: "none") }
            let parts = ["train", "kv", "nocache"].filter { part in
                2 * all.filter { $0.contaminated.contains(part) }.count > all.count
            }
            return TorchFigures(
                train: KernelsBench.median(ofPresent: all.map(\.train)), kv: KernelsBench.median(ofPresent: all.map(\.kv)),
                nocache: KernelsBench.median(ofPresent: all.map(\.nocache)),
                source: first.source + ", median of \(all.count) rounds alternated with ours", contaminated: Set(parts))
        }
    }

    /// How to run the peer: a Python with torch and the script; nil when either is missing.
    struct TorchPeer {
        let python: String
        let script: String

        /// LEMA_PYTHON, else $HOME/venv-bench/bin/python; the script from LEMA_TORCH_BENCH, else
        /// ../shared/bench/kernels/torch_gpt.py or bench/kernels/torch_gpt.py relative to the working directory.
        static func locate(scriptOverride: String?) -> TorchPeer? {
            let env = ProcessInfo.processInfo.environment
            let fm = FileManager.default
            var pythons: [String] = []
            if let p = env["LEMA_PYTHON"], !p.isEmpty { pythons.append(p) }
            if let home = env["HOME"] { pythons.append(home + "/venv-bench/bin/python") }
            guard let python = pythons.first(where: { fm.isExecutableFile(atPath: $0) }) else { return nil }
            var scripts: [String] = []
            if let s = scriptOverride ?? env["LEMA_TORCH_BENCH"] { scripts.append(s) }
            let cwd = fm.currentDirectoryPath
            scripts += [cwd + "/../shared/bench/kernels/torch_gpt.py", cwd + "/bench/kernels/torch_gpt.py"]
            guard let script = scripts.first(where: { fm.fileExists(atPath: $0) }) else { return nil }
            return TorchPeer(python: python, script: script)
        }

        /// Runs the script for one config with the workload options of `o`; nil (with a printed reason) on failure.
        func run(config: String, o: Options) -> TorchFigures? {
            let json = NSTemporaryDirectory() + "lema-torch-\(getpid())-\(config).json"
            defer { try? FileManager.default.removeItem(atPath: json) }
            var args = [script, "--configs", config, "--threads", String(o.threads), "--windows", String(o.windows),
                        "--max-windows", String(o.windows * 2), "--window-s", String(o.windowSeconds),
                        "--warmup-steps", String(o.warmupSteps), "--json", json,
                        // Take exactly the requested windows/runs, as our side does: by default the script keeps
                        // going (up to 5× the runs) until enough windows are quiet, which on a busy machine takes
                        // many minutes. Contamination is judged here from the windows' other-process cores.
                        "--clean-threshold", "1000"]
            let modes = o.sampleModes.filter { $0 == "kv" || $0 == "nocache" }
            // "none" makes the script skip sampling (it reports that mode as failed, which is ignored here).
            args += ["--sample-modes", modes.isEmpty ? "none" : modes.joined(separator: ",")]
            if !o.train { args.append("--skip-train") }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: python)
            p.arguments = args
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            do { try p.run() } catch {
                print("[torch] could not start \(python): \(error)")
                return nil
            }
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            for line in text.split(separator: "\n") where line.hasPrefix("[\(config)-") && !line.contains("sample[none]") { print("[torch] " + line) }
            guard p.terminationStatus == 0, let data = FileManager.default.contents(atPath: json),
                let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let rows = root["results"] as? [[String: Any]], let row = rows.first
            else {
                print("[torch] \(script) failed (exit \(p.terminationStatus)); last output:\n\(text.suffix(800))")
                return nil
            }
            func rate(_ key: String, _ field: String) -> Double? {
                (row[key] as? [String: Any])?[field] as? Double
            }
            var dirty: Set<String> = []
            var others: [String: Double] = [:]
            for (key, stats, part) in [("train", "train_stats", "train"), ("sample_kv", "sample_stats", "kv"),
                                       ("sample_nocache", "sample_stats", "nocache")] {
                let s = (row[key] as? [String: Any])?[stats] as? [String: Any]
                guard let cores = s?["other_cores_all"] as? [Double], !cores.isEmpty else { continue }
                let m = KernelsBench.median(cores)
                others[part] = m
                if m >= 0.1 { dirty.insert(part) }
            }
            if !others.isEmpty {
                print("[torch] median other-process cores: " + others.sorted { $0.key > $1.key }
                    .map { "\($0.key) \(String(format: "%.2f", $0.value))" }.joined(separator: ", "))
            }
            let torch = (root["meta"] as? [String: Any])?["torch"] as? String ?? "?"
            return TorchFigures(
                train: o.train ? rate("train", "train_tok_s_median") : nil,
                kv: modes.contains("kv") ? rate("sample_kv", "sample_tok_s_median") : nil,
                nocache: rate("sample_nocache", "sample_tok_s_median"),
                source: "PyTorch \(torch) eager, measured now in this run", contaminated: dirty, otherCores: others)
        }
    }

    /// The stored figures for a config, labelled as such.
    static func storedTorch(_ name: String) -> TorchFigures? {
        guard let r = reference[name] else { return nil }
        return TorchFigures(train: r.train, kv: r.kv, nocache: r.nocache,
                            source: "stored reference (results-2026-11-30.md), not measured now")
    }
}
