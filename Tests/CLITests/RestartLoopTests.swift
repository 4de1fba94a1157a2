import Engine
import Foundation
import LemaTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A supervisor's restart loop (systemd `Restart=always`, `until lema run …; do :; done`, a Slurm requeue): the
/// smoke pipeline is SIGKILLed (whole process group) at random moments while its in-process multi-threaded stages
/// run, and a new `lema run` starts the instant the kill is sent — before the killed process is reaped, so it is
/// still exiting or a zombie. No restart may refuse, and every episode ends byte-identical to a clean run.
@Suite(.serialized) struct RestartLoopTests {
    static let cycles = 20

    @Test func immediateRestartsAfterSIGKILLNeverRefuseAndResumeToIdenticalBytes() throws {
        let args = ["run", SmokePipelineTests.smokeSpec, "--runs-dir", "runs", "--progress", "quiet"]
        let (reference, cleanSeconds) = try CLI.withScratch { dir -> ([String: Data], Double) in
            let start = Date()
            let result = try CLI.run(args, in: dir)
            #expect(result.code == 0, "\(result.stderr)")
            return (SmokePipelineTests.results(dir), Date().timeIntervalSince(start))
        }
        try #require(!reference.isEmpty)

        var rng = SystemRandomNumberGenerator()
        var kills = 0, episodes = 0
        var refusals: [String] = []
        while kills < Self.cycles {
            episodes += 1
            try CLI.withScratch { dir in
                var killed: [CLI.Running] = []
                defer { for process in killed { process.wait() } }
                while true {
                    let process = try CLI.start(args, in: dir)
                    // Kill at a random moment of the run (never waiting for the previous one to be reaped).
                    let delay = Double.random(in: 0...(cleanSeconds / 2.5), using: &rng)
                    let deadline = Date().addingTimeInterval(delay)
                    while Date() < deadline, process.poll() == nil { usleep(2000) }
                    if let code = process.poll() {
                        if code == 0 { break }
                        guard code == 3 else {
                            Issue.record("lema run exited \(code): \(process.stderr)")
                            return
                        }
                        // Refused: a supervisor would simply start it again; so does this loop, a bounded number
                        // of times (a refusal is a failure of this test either way).
                        refusals.append(process.stderr)
                        if refusals.count > 3 * Self.cycles { return }
                        continue
                    }
                    kill(-process.pid, SIGKILL)
                    killed.append(process)
                    kills += 1
                }
                let resumed = SmokePipelineTests.results(dir)
                #expect(Set(resumed.keys) == Set(reference.keys), "episode \(episodes)")
                for (path, bytes) in reference where resumed[path] != bytes {
                    Issue.record("episode \(episodes): \(path) differs from the uninterrupted run")
                }
                // Every killed process died of the kill, not of a refusal before it.
                for process in killed where process.wait() == 3 { refusals.append(process.stderr) }
            }
        }
        print("restart loop: \(kills) SIGKILLs with immediate restarts over \(episodes) episodes, "
              + "\(refusals.count) refusals")
        #expect(kills >= Self.cycles || !refusals.isEmpty)
        #expect(refusals.isEmpty, "\(refusals.count) of \(kills) restarts refused: \(refusals.first ?? "")")
    }
}
