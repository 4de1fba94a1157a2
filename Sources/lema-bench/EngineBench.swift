import Engine
import Foundation
import LemaCore
import StageAPI
import Stages

/// `lema-bench engine [--fan N] [--chain N] [--ledger N] [--jobs J] [--no-command] [--no-xargs] [--dir DIR]`:
/// end-to-end engine overhead, each case = spec compile + store open + register + plan + run + state recorded:
/// a fan-out of N in-process `noop` nodes (src → N → join), its no-op rerun, a chain of `--chain` noop nodes,
/// the same fan with `command: [true]` nodes next to `xargs -P J` spawning `true` N times, and (via LedgerBench)
/// `--ledger` ledger items. Prints wall time and per-node / per-item overhead.
enum EngineBench {
    static func main(_ args: [String]) throws {
        var fan = 10_000, chain = 1_000, ledger = 1_000_000, jobs = 2
        var command = true, xargs = true
        var directory: URL?
        var i = 0
        func value() throws -> Int {
            i += 1
            guard i < args.count, let n = Int(args[i]), n >= 0 else { throw BenchUsage("\(args[i - 1]) needs a count ≥ 0") }
            return n
        }
        while i < args.count {
            switch args[i] {
            case "--fan": fan = try value()
            case "--chain": chain = try value()
            case "--ledger": ledger = try value()
            case "--jobs": jobs = max(1, try value())
            case "--no-command": command = false
            case "--no-xargs": xargs = false
            case "--dir":
                i += 1
                guard i < args.count else { throw BenchUsage("--dir needs a directory") }
                directory = URL(fileURLWithPath: args[i])
            default:
                throw BenchUsage("unknown option '\(args[i])' (use --fan N --chain N --ledger N --jobs J --no-command --no-xargs --dir DIR)")
            }
            i += 1
        }
        let scratch = directory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("lema-engine-bench-\(getpid())", isDirectory: true)
        defer { if directory == nil { try? FileManager.default.removeItem(at: scratch) } }
        print("lema-bench engine (jobs \(jobs), \(ProcessInfo.processInfo.activeProcessorCount) cores)")

        if fan > 0 {
            let spec = fanSpec(width: fan, body: "kind: noop")
            let first = try timeRun(spec, name: "fan", in: scratch, jobs: jobs)
            report("fan-out \(fan) noop (src → \(fan) → join)", first, nodes: fan + 2)
            let rerun = try timeRun(spec, name: "fan", in: scratch, jobs: jobs)
            report("no-op rerun of the fan (all skipped)", rerun, nodes: fan + 2)
        }
        if chain > 0 {
            report("chain of \(chain) noop", try timeRun(chainSpec(length: chain), name: "chain", in: scratch, jobs: jobs),
                   nodes: chain)
        }
        if fan > 0, command {
            let spec = fanSpec(width: fan, body: "kind: command\n    argv: [\"true\"]")
            let result = try timeRun(spec, name: "fancmd", in: scratch, jobs: jobs)
            report("fan-out \(fan) command [true]", result, nodes: fan + 2)
            if xargs {
                let floor = try xargsTrue(count: fan + 2, jobs: jobs)
                print(String(format: "  xargs -P%d spawning true %d times: %.3f s → lema/xargs = %.2f×",
                             jobs, fan + 2, floor, result.total / floor))
            }
        }
        if ledger > 0 {
            print("ledger (LedgerBench --items \(ledger)):")
            try LedgerBench.main(["--items", String(ledger)])
        }
    }

    struct Timing {
        var compile: Double
        var total: Double
        var ran: Int
        var skipped: Int
    }

    /// Compiles, opens the store, runs to completion (quietly) and closes; the store stays for a rerun.
    static func timeRun(_ spec: String, name: String, in scratch: URL, jobs: Int) throws -> Timing {
        let runDirectory = scratch.appendingPathComponent(name, isDirectory: true)
        let start = DispatchTime.now().uptimeNanoseconds
        let graph = try PipelineCompiler.compile(text: spec, fileName: "\(name).yaml", specDirectory: scratch,
                                                 overrides: [], registry: KindRegistry(GenericKinds.all))
        let compiled = DispatchTime.now().uptimeNanoseconds
        let store = try Store(path: runDirectory.appendingPathComponent("state.sqlite"))
        let options = RunOptions(jobs: jobs, progress: .quiet, handleSignals: false, commandLine: "lema-bench engine")
        let summary = try Runner(graph: graph, store: store, registry: KindRegistry(GenericKinds.all),
                                 runDirectory: runDirectory, options: options).run()
        try store.close()
        let end = DispatchTime.now().uptimeNanoseconds
        guard summary.exitCode == 0 else { throw BenchUsage("benchmark run failed:\n\(summary.text)") }
        return Timing(compile: Double(compiled - start) / 1e9, total: Double(end - start) / 1e9,
                      ran: summary.succeeded.count, skipped: summary.skipped.count)
    }

    static func report(_ label: String, _ t: Timing, nodes: Int) {
        print(String(format: "  %@: %.3f s (compile %.3f s), %d ran, %d skipped, %.1f µs/node",
                     label, t.total, t.compile, t.ran, t.skipped, t.total / Double(nodes) * 1e6))
    }

    static func fanSpec(width: Int, body: String) -> String {
        var text = "name: bench-fan\nstages:\n  src:\n    \(body)\n"
        for k in 0..<width { text += "  t\(k):\n    \(body)\n    inputs: [src]\n" }
        text += "  join:\n    kind: noop\n    inputs: [" + (0..<width).map { "t\($0)" }.joined(separator: ", ") + "]\n"
        return text
    }

    static func chainSpec(length: Int) -> String {
        var text = "name: bench-chain\nstages:\n  t0: {kind: noop}\n"
        for k in 1..<max(1, length) { text += "  t\(k): {kind: noop, inputs: [t\(k - 1)]}\n" }
        return text
    }

    /// Seconds for `seq N | xargs -P jobs -n 1 true`.
    static func xargsTrue(count: Int, jobs: Int) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "seq \(count) | xargs -P \(jobs) -n 1 true"]
        let start = DispatchTime.now().uptimeNanoseconds
        try process.run()
        process.waitUntilExit()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
