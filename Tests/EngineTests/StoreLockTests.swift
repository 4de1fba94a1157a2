import Foundation
import Testing
@testable import Engine
#if canImport(Glibc)
import Glibc
#endif

private typealias Fx = StoreFixtures

@Suite("Store run lock")
struct StoreLockTests {
    /// `flock(1)` holding the store's lock file for `seconds`, as another live lema would.
    static func holdKernelLock(_ store: Store, seconds: Double) throws -> Process {
        let lockPath = RunLockFile.path(forDatabase: store.path.path)
        let holder = try Fx.spawn("/usr/bin/flock", ["--exclusive", lockPath, "/bin/sleep", String(seconds)])
        // flock(1) takes the lock before it starts sleep: wait until a non-blocking attempt of ours fails.
        let held = try Fx.eventually {
            guard let probe = try RunLockFile.tryAcquire(path: lockPath) else { return true }
            probe.release()
            return false
        }
        #expect(held, "flock(1) never took \(lockPath)")
        return holder
    }

    /// A child that has exited but is not reaped: a zombie, as a SIGKILLed lema is until its parent waits.
    static func zombie() throws -> Int32 {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { argv.forEach { free($0) } }
        let rc = posix_spawn(&pid, "/bin/true", nil, nil, argv, environ)
        try #require(rc == 0)
        #expect(Fx.eventually { StoreProcess.liveness(pid: pid, startTime: nil) == .exiting })
        return pid
    }

    static func reap(_ pid: Int32) {
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    @Test func liveHolderOfTheKernelLockIsRefusedWithItsPidAndCommand() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            let other = try Self.holdKernelLock(store, seconds: 30)
            defer { Fx.stop(other) }
            try store.claimLockRow(pid: other.processIdentifier, command: "lema run other.yaml",
                                   startTime: StoreProcess.startTime(of: other.processIdentifier))
            let error = #expect(throws: StoreError.self) { try store.acquireRunLock(command: "lema run mine.yaml") }
            let message = error.map { "\($0)" } ?? ""
            #expect(message.contains("is in use by pid \(other.processIdentifier) (lema run other.yaml) since "))
            #expect(message.contains("kill \(other.processIdentifier)"))
            #expect(message.contains("state.sqlite"))
            #expect(try store.currentLockOwner()?.pid == other.processIdentifier)
        }
    }

    /// A row naming a live process that does not hold the kernel lock comes from a lema without it (an older build
    /// running on this file): refused rather than written beside.
    @Test func liveOwnerInTheRowAloneIsStillRefused() throws {
        try Fx.withTemporaryDirectory { dir in
            let other = try Fx.spawn("/bin/sleep", ["30"])
            defer { Fx.stop(other) }
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            try store.claimLockRow(pid: other.processIdentifier, command: "lema run old.yaml",
                                   startTime: StoreProcess.startTime(of: other.processIdentifier))
            #expect(throws: StoreError.self) { try store.acquireRunLock(command: "lema run mine.yaml") }
            #expect(!store.holdsRunLock)
        }
    }

    @Test func deadOwnersLockIsTakenOverAndLogged() throws {
        try Fx.withTemporaryDirectory { dir in
            let dead = try Fx.deadPID()
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            try store.claimLockRow(pid: dead, command: "lema run crashed.yaml", startTime: nil)
            try store.acquireRunLock(command: "lema run again.yaml")
            let owner = try #require(try store.currentLockOwner())
            #expect(owner.pid == getpid())
            #expect(owner.command == "lema run again.yaml")
            let lockEvents = try store.events(node: nil, limit: 10).filter { $0.kind == "lock" }
            #expect(lockEvents.count == 1)
            #expect(lockEvents.first?.message.hasPrefix("lock taken over from dead pid \(dead) (lema run crashed.yaml)")
                    == true)
        }
    }

    /// The case of a supervisor restarting at once: the killed owner is a zombie (its parent has not reaped it).
    /// It counts as dead, and its lock is taken over without waiting.
    @Test func zombieOwnerIsTakenOverAtOnce() throws {
        try Fx.withTemporaryDirectory { dir in
            let zombie = try Self.zombie()
            defer { Self.reap(zombie) }
            #expect(StoreProcess.exists(zombie))
            #expect(!StoreProcess.isAlive(pid: zombie, startTime: nil))
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            try store.claimLockRow(pid: zombie, command: "lema run killed.yaml", startTime: nil)
            var notices: [String] = []
            try store.acquireRunLock(command: "lema run again.yaml") { notices.append($0) }
            #expect(notices.isEmpty)
            #expect(try store.currentLockOwner()?.pid == getpid())
        }
    }

    /// The kernel lock still held (descriptors of a killed owner still closing) while the row names an exiting
    /// process: the new run waits, says so once, and takes over when the lock is released.
    @Test func exitingOwnerIsWaitedForThenTakenOver() throws {
        try Fx.withTemporaryDirectory { dir in
            let zombie = try Self.zombie()
            defer { Self.reap(zombie) }
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            let holder = try Self.holdKernelLock(store, seconds: 0.4)
            defer { Fx.stop(holder) }
            try store.claimLockRow(pid: zombie, command: "lema run killed.yaml", startTime: nil)
            var notices: [String] = []
            try store.acquireRunLock(command: "lema run again.yaml", maxWait: 20) { notices.append($0) }
            #expect(notices.count == 1)
            #expect(notices.first?.hasPrefix("waiting for pid \(zombie) (lema run killed.yaml), which was stopped") == true)
            #expect(store.holdsRunLock)
            #expect(try store.currentLockOwner()?.pid == getpid())
        }
    }

    @Test func exitingOwnerThatNeverReleasesGivesUpAfterTheBound() throws {
        try Fx.withTemporaryDirectory { dir in
            let zombie = try Self.zombie()
            defer { Self.reap(zombie) }
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            let holder = try Self.holdKernelLock(store, seconds: 30)
            defer { Fx.stop(holder) }
            try store.claimLockRow(pid: zombie, command: "lema run stuck.yaml", startTime: nil)
            let error = #expect(throws: StoreError.self) {
                try store.acquireRunLock(command: "lema run again.yaml", maxWait: 0.1)
            }
            let message = error.map { "\($0)" } ?? ""
            #expect(message.contains("is still locked by pid \(zombie) (lema run stuck.yaml), which is exiting"),
                    "\(message)")
        }
    }

    /// A live pid whose kernel start time differs from the recorded one is a different process (pid reuse).
    @Test func reusedPidCountsAsDead() throws {
        try Fx.withTemporaryDirectory { dir in
            let other = try Fx.spawn("/bin/sleep", ["30"])
            defer { Fx.stop(other) }
            let pid = other.processIdentifier
            let realStart = try #require(StoreProcess.startTime(of: pid))
            #expect(StoreProcess.isAlive(pid: pid, startTime: realStart))
            #expect(!StoreProcess.isAlive(pid: pid, startTime: realStart + 1))
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            try store.claimLockRow(pid: pid, command: "old lema", startTime: realStart + 1)
            try store.acquireRunLock(command: "new lema")
            #expect(try store.currentLockOwner()?.pid == getpid())
        }
    }

    /// Two stores of one process are two open file descriptions: the kernel lock keeps them apart too.
    @Test func sameStoreMayReacquireAnotherStoreMayNot() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            try store.acquireRunLock(command: "lema run")
            try store.acquireRunLock(command: "lema run")
            let other = try Store(path: Fx.storeURL(dir))
            defer { try? other.close() }
            #expect(try other.currentLockOwner()?.command == "lema run")
            #expect(throws: StoreError.self) { try other.acquireRunLock(command: "lema run") }
            try other.releaseRunLock()  // does not hold it: nothing changes
            #expect(try store.currentLockOwner()?.pid == getpid())
            try store.releaseRunLock()
            #expect(try store.currentLockOwner() == nil)
            try other.acquireRunLock(command: "lema run 2")
            #expect(try store.currentLockOwner()?.command == "lema run 2")
            try other.close()  // closing releases row and kernel lock
            #expect(try store.currentLockOwner() == nil)
            try store.acquireRunLock(command: "lema run 3")
        }
    }

    @Test func processStartTimeIsReadForThisProcess() throws {
        let start = try #require(StoreProcess.startTime(of: getpid()))
        #expect(start > 0)
        #expect(StoreProcess.startTime(of: try Fx.deadPID()) == nil)
        #expect(!StoreProcess.exists(0))
        #expect(StoreProcess.liveness(pid: getpid(), startTime: start) == .running)
        #expect(StoreProcess.liveness(pid: try Fx.deadPID(), startTime: nil) == .gone)
    }
}
