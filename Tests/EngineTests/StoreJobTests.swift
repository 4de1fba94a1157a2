import Foundation
import Testing
@testable import Engine

private typealias Fx = StoreFixtures

@Suite("Store jobs (slurm executor)")
struct StoreJobTests {
    /// The intent is written before sbatch runs; a second intent for the same attempt is refused, which is what
    /// keeps a restarted controller from submitting a node twice.
    @Test func intentThenIDNeverTwice() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            let node = Fx.fingerprint("a")
            #expect(try store.recordJobIntent(node: node, attempt: 1, jobName: "lema.demo.a.1"))
            #expect(try store.recordJobIntent(node: node, attempt: 1, jobName: "lema.demo.a.1") == false)
            let pending = try #require(store.liveJobs().first)
            #expect(pending.jobID == nil)
            #expect(pending.state == "SUBMITTING")
            try store.recordJobID(node: node, attempt: 1, jobID: "4242")
            #expect(try store.jobs(ofNode: node).map(\.jobID) == ["4242"])
            #expect(try store.jobs(ofNode: node).map(\.state) == ["PENDING"])
            #expect(try store.recordJobIntent(node: node, attempt: 2, jobName: "lema.demo.a.2"))
            #expect(try store.jobs(ofNode: node).map(\.attempt) == [1, 2])
        }
    }

    /// Updates move jobs out of the live set once they end; everything is durable across reopening (another
    /// controller process sees it at once).
    @Test func updatesAndReattach() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir), options: StoreOptions(batchSize: 1000, maxDelay: 3600))
            let a = Fx.fingerprint("a"), b = Fx.fingerprint("b")
            let t0 = Date(timeIntervalSince1970: 1_796_000_000)
            try store.recordJobIntent(node: a, attempt: 1, jobName: "lema.demo.a.1", at: t0)
            try store.recordJobIntent(node: b, attempt: 1, jobName: "lema.demo.b.1", at: t0.addingTimeInterval(1))
            try store.recordJobID(node: a, attempt: 1, jobID: "11")
            try store.recordJobID(node: b, attempt: 1, jobID: "12")
            try store.updateJobs([
                JobUpdate(node: a, attempt: 1, state: "RUNNING", reason: "RUNNING on vm", endedAt: nil),
                JobUpdate(node: b, attempt: 1, state: "TIMEOUT", reason: "TIMEOUT: the job ran past its time limit",
                          endedAt: t0.addingTimeInterval(70)),
            ])
            let other = try Store(path: Fx.storeURL(dir))
            defer { try? other.close() }
            let live = try other.liveJobs()
            #expect(live.map(\.jobID) == ["11"])
            #expect(live.first?.reason == "RUNNING on vm")
            let ended = try #require(other.jobs(ofNode: b).first)
            #expect(ended.state == "TIMEOUT")
            #expect(ended.endedAt == t0.addingTimeInterval(70))
            #expect(ended.submittedAt == t0.addingTimeInterval(1))
            try store.close()
        }
    }

    /// The start time is kept once known: later updates without one (the state changes, the job ends) leave it, and
    /// the elapsed time runs to the end, or to now while the job lives.
    @Test func startTimeIsKeptAndElapsedRunsToTheEnd() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            let node = Fx.fingerprint("a")
            let t0 = Date(timeIntervalSince1970: 1_796_000_000)
            try store.recordJobIntent(node: node, attempt: 1, jobName: "lema.demo.a.1", at: t0)
            try store.recordJobID(node: node, attempt: 1, jobID: "7")
            #expect(try store.allJobs().first?.elapsed(now: t0) == nil)
            try store.updateJobs([JobUpdate(node: node, attempt: 1, state: "RUNNING", reason: "RUNNING on vm",
                                            endedAt: nil, startedAt: t0.addingTimeInterval(5))])
            #expect(try store.allJobs().first?.elapsed(now: t0.addingTimeInterval(8)) == 3)
            try store.updateJobs([JobUpdate(node: node, attempt: 1, state: "TIMEOUT", reason: "TIMEOUT: …",
                                            endedAt: t0.addingTimeInterval(65))])
            let ended = try #require(store.allJobs().first)
            #expect(ended.startedAt == t0.addingTimeInterval(5))
            #expect(ended.elapsed(now: t0.addingTimeInterval(1000)) == 60)
            #expect(ended.state == "TIMEOUT" && ended.reason == "TIMEOUT: …")
        }
    }

    @Test("a run directory plainly local to this machine is named", arguments: [
        ("/tmp/runs", "under /tmp"), ("/var/tmp/x/y", "under /var/tmp"), ("/dev/shm/r", "under /dev/shm"),
        ("/work/runs", nil), ("/scratch/tmp/runs", nil),
    ])
    func localFilesystem(path: String, expected: String?) {
        #expect(LocalFilesystem.reason(URL(fileURLWithPath: path)) == expected)
    }
}
