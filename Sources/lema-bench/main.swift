import Foundation
import LemaCore

// lema-bench: benchmarks print figures; they are never tests.
//   lema-bench engine [...]   orchestration overhead (fan-out, chain, rerun, command nodes vs xargs) and the ledger
//   lema-bench ledger [...]   1,000,000 ledger items through the store
//   lema-bench kernels [...]  tiny-GPT training/sampling tokens/s (configs S, M, L) and GEMM GFLOP/s
//   lema-bench spec [...]     hostile specs of about 10 MB: accepted or refused, and how fast
//   lema-bench slurm-fan [...] 200 command jobs through lema's slurm executor vs sbatch --wrap and a polling loop
//   lema-bench ui [...]       `lema ui` on a 10,000-node run in headless Chromium (draw, API, updates, memory)
let arguments = Array(CommandLine.arguments.dropFirst())
let usage = "usage: lema-bench engine|ledger|kernels|spec|slurm-fan|ui [options]   (see docs/operations.md#benchmarks)"
do {
    switch arguments.first {
    case "engine": try EngineBench.main(Array(arguments.dropFirst()))
    case "ledger": try LedgerBench.main(Array(arguments.dropFirst()))
    case "kernels": try KernelsBench.main(Array(arguments.dropFirst()))
    case "spec": try HostileSpecBench.main(Array(arguments.dropFirst()))
    case "slurm-fan": try SlurmFanBench.main(Array(arguments.dropFirst()))
    case "ui":
        let rest = Array(arguments.dropFirst())
        try BlockingTask.run { try await UIBench.main(rest) }
    default:
        FileHandle.standardError.write(Data((usage + "\n").utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("lema-bench: error: \(error)\n".utf8))
    exit(1)
}
