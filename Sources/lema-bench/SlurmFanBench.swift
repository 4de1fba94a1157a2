import Engine
import Foundation
import Slurm

/// `lema-bench slurm-fan [--nodes N] [--poll S] [--rounds R] [--lema PATH] [--dir DIR]`: N independent `command`
/// nodes (`true`) through `lema run --executor slurm`, then the same N jobs submitted by hand (`sbatch --wrap`, one
/// squeue per poll until all have ended), alternating R times in one run against the same cluster. Prints both wall
/// times, their ratio and each way's submit-to-done latency per job (median, p90, max) per round, then the median
/// ratio. Needs a Slurm cluster (scripts/slurm-cluster.sh start).
enum SlurmFanBench {
    static func main(_ args: [String]) throws {
        var nodes = 200
        var poll = 0.5
        var rounds = 3
        var lema = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("lema").path
        var directory: URL?
        var i = 0
        while i < args.count {
            let option = args[i]
            i += 1
            guard i < args.count else { throw BenchUsage("\(option) needs a value") }
            switch option {
            case "--nodes": nodes = try positive(Int(args[i]).map(Double.init), option).roundedInt
            case "--poll": poll = try positive(Double(args[i]), option)
            case "--rounds": rounds = try positive(Int(args[i]).map(Double.init), option).roundedInt
            case "--lema": lema = args[i]
            case "--dir": directory = URL(fileURLWithPath: args[i])
            default: throw BenchUsage("unknown option '\(option)' (use --nodes N --poll S --rounds R --lema PATH --dir DIR)")
            }
            i += 1
        }
        guard FileManager.default.isExecutableFile(atPath: lema) else {
            throw BenchUsage("no lema binary at \(lema) (build it, or pass --lema PATH)")
        }
        let client = SlurmClient()
        guard client.controllerAnswers() else {
            throw BenchUsage("no Slurm controller answers: start one with `scripts/slurm-cluster.sh start`")
        }
        // The run must be on a filesystem the (here: local) node sees; the current directory by default.
        let scratch = directory ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            .appendingPathComponent(".lema-slurm-fan-\(getpid())", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(at: scratch) } }
        print("lema-bench slurm-fan: \(nodes) jobs of `true`, poll every \(poll) s (\(try client.version()))")

        var ratios: [Double] = []
        for round in 1...rounds {
            print("round \(round):")
            let viaLema = try throughLema(nodes: nodes, poll: poll, lema: lema, round: round, in: scratch)
            report("lema run --executor slurm", viaLema)
            let byHand = try byHand(nodes: nodes, poll: poll, client: client, round: round, in: scratch)
            report("sbatch --wrap ×\(nodes) + squeue loop", byHand)
            ratios.append(viaLema.wall / byHand.wall)
            print(String(format: "  lema / by hand = %.2f×", ratios.last ?? .nan))
        }
        print(String(format: "median of %d rounds: lema / by hand = %.2f× (target ≤ 1.2×)", rounds,
                     ratios.sorted()[ratios.count / 2]))
    }

    struct Result {
        var wall: Double
        /// Seconds from each job's submission to the moment its end was seen.
        var latencies: [Double]
    }

    static func report(_ label: String, _ result: Result) {
        let sorted = result.latencies.sorted()
        func quantile(_ q: Double) -> Double { sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] }
        print(String(format: "  %@: %.2f s; submit-to-done per job: median %.2f s, p90 %.2f s, max %.2f s",
                     label, result.wall, quantile(0.5), quantile(0.9), sorted.last ?? .nan))
    }

    /// The fan as a spec: one `command` stage per job, all independent, every job in flight at once.
    static func throughLema(nodes: Int, poll: Double, lema: String, round: Int, in scratch: URL) throws -> Result {
        let name = "fan\(getpid())r\(round)"
        var spec = "name: \(name)\nexecutor: {kind: slurm, poll_interval: \(poll), max_jobs: \(nodes)}\nstages:\n"
        for k in 0..<nodes { spec += "  n\(k): {kind: command, argv: [\"true\"]}\n" }
        let specURL = scratch.appendingPathComponent("\(name).yaml")
        try Data(spec.utf8).write(to: specURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: lema)
        process.arguments = ["run", specURL.path, "--runs-dir", scratch.appendingPathComponent("runs").path, "-q"]
        process.standardOutput = FileHandle.nullDevice
        let start = Date()
        try process.run()
        process.waitUntilExit()
        let wall = Date().timeIntervalSince(start)
        guard process.terminationStatus == 0 else { throw BenchUsage("lema run exited \(process.terminationStatus)") }
        let store = try Store(path: scratch.appendingPathComponent("runs/\(name)/state.sqlite"))
        defer { try? store.close() }
        let latencies = try store.allJobs().compactMap { job in job.endedAt.map { $0.timeIntervalSince(job.submittedAt) } }
        return Result(wall: wall, latencies: latencies)
    }

    /// What a user would write: submit every job, then one squeue per poll until none is alive.
    static func byHand(nodes: Int, poll: Double, client: SlurmClient, round: Int, in scratch: URL) throws -> Result {
        let out = scratch.appendingPathComponent("byhand\(round)", isDirectory: true)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let start = Date()
        var submitted: [String: Date] = [:]
        for k in 0..<nodes {
            let args = ["--parsable", "--job-name=byhand\(k)", "--cpus-per-task=1", "--output=\(out.path)/\(k).out",
                        "--wrap=true"]
            let answer = try client.runner.run("sbatch", args, environment: nil, input: nil, timeout: 60)
            guard answer.status == 0, let id = answer.stdout.split(separator: ";").first?
                .trimmingCharacters(in: .whitespacesAndNewlines), !id.isEmpty else {
                throw BenchUsage("sbatch failed: \(answer.stderr)")
            }
            submitted[id] = Date()
        }
        var latencies: [Double] = []
        var waiting = Set(submitted.keys)
        while !waiting.isEmpty {
            Thread.sleep(forTimeInterval: poll)
            let states = try client.snapshots(of: Array(waiting))
            let now = Date()
            for id in waiting where !(states[id]?.state.isAlive ?? false) {
                waiting.remove(id)
                latencies.append(now.timeIntervalSince(submitted[id] ?? start))
            }
        }
        return Result(wall: Date().timeIntervalSince(start), latencies: latencies)
    }

    private static func positive(_ value: Double?, _ option: String) throws -> Double {
        guard let value, value > 0 else { throw BenchUsage("\(option) needs a positive number") }
        return value
    }
}

private extension Double {
    var roundedInt: Int { Int(rounded()) }
}
