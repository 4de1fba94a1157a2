import Engine
import Foundation
import LemaTestSupport
import Slurm
import Testing

/// The slurm executor against the real one-node cluster (`sudo scripts/slurm-cluster.sh start`; skipped, with the
/// reason printed, when no controller answers).
@Suite(.serialized, .slurmCluster) struct SlurmExecutorTests {
    static let isUp = SlurmProbe.clusterAnswers(for: "SlurmExecutorTests")

    /// The files a run leaves that are not the job's own (`job.*`, `journal.*`: the slurm executor's) or the
    /// store's, by path under the run directory.
    static func outputs(_ runDirectory: URL) -> [String: Data] {
        CLI.tree(runDirectory).filter { path, _ in
            let name = (path as NSString).lastPathComponent
            return !name.hasPrefix("state.sqlite") && !name.hasPrefix("job.") && !name.hasPrefix("journal.")
                && !name.hasSuffix(".lock")
        }
    }

    /// Issue 15, test 1: pipelines/smoke.yaml on the cluster gives every artifact byte-identical to the local run,
    /// and every node really ran as a Slurm job.
    @Test(.enabled(if: isUp)) func smokePipelineOnSlurmIsByteIdenticalToTheLocalRun() throws {
        try CLI.withScratch { dir in
            // The spec asks for slurm (polled often, to keep the test short); `--executor local` overrides it.
            let smoke = try String(contentsOfFile: SmokePipelineTests.smokeSpec, encoding: .utf8)
            let spec = smoke.replacingOccurrences(of: "seed: 7\n",
                                                  with: "seed: 7\nexecutor: {kind: slurm, poll_interval: 0.2s}\n")
            #expect(spec != smoke)
            try spec.write(to: dir.appendingPathComponent("smoke.yaml"), atomically: true, encoding: .utf8)
            let local = try CLI.run(["run", "smoke.yaml", "--runs-dir", "local", "--executor", "local", "-q"], in: dir)
            #expect(local.code == 0, "\(local.stderr)")
            let slurm = try CLI.run(["run", "smoke.yaml", "--runs-dir", "slurm", "-q"], in: dir)
            #expect(slurm.code == 0, "\(slurm.stdout)\n\(slurm.stderr)")

            let localFiles = Self.outputs(dir.appendingPathComponent("local/smoke"))
            let slurmFiles = Self.outputs(dir.appendingPathComponent("slurm/smoke"))
            #expect(localFiles.count > 20)
            #expect(Set(slurmFiles.keys) == Set(localFiles.keys))
            for (path, data) in localFiles.sorted(by: { $0.key < $1.key }) {
                #expect(slurmFiles[path] == data, "\(path) differs between the local and the slurm run")
            }
            // Every node but the report (a kind that stays in the controller) ran as a job whose payload ended by
            // itself with exit 0; none locally.
            let nodes = dir.appendingPathComponent("slurm/smoke/nodes")
            let nodeDirectories = try FileManager.default.contentsOfDirectory(atPath: nodes.path)
            #expect(nodeDirectories.count == 10)
            for name in nodeDirectories {
                let marker = ExitMarker.read(at: nodes.appendingPathComponent("\(name)/job.1.exit.json"))
                if name.hasPrefix("report-") {
                    #expect(marker == nil, "the report ran as a Slurm job")
                } else {
                    #expect(marker?.exitCode == 0, "\(name) has no successful job marker")
                }
            }
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("local/smoke/nodes")
                .appendingPathComponent(nodeDirectories[0]).appendingPathComponent("job.json").path))

            // Running again on slurm submits nothing: everything is up to date.
            let again = try CLI.run(["run", "smoke.yaml", "--runs-dir", "slurm", "-q"], in: dir)
            #expect(again.code == 0)
            #expect(again.stdout.contains("0 ran, 10 skipped"), "\(again.stdout)")
        }
    }
}
