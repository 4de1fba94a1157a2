import Foundation
import Testing
@testable import Engine

private typealias Fx = StoreFixtures

@Suite("Store run lock")
struct StoreLockTests {
    @Test func liveOtherOwnerIsRefusedWithItsPidAndCommand() throws {
        try Fx.withTemporaryDirectory { dir in
            let other = try Fx.spawn("/bin/sleep", ["30"])
            defer { Fx.stop(other) }
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            try store.acquireRunLock(pid: other.processIdentifier, command: "lema run other.yaml")
            let error = #expect(throws: StoreError.self) {
                try store.acquireRunLock(pid: getpid(), command: "lema run mine.yaml")
            }
            let message = error.map { "\($0)" } ?? ""
            #expect(message.contains("is in use by pid \(other.processIdentifier) (lema run other.yaml) since "))
            #expect(message.contains("kill \(other.processIdentifier)"))
            #expect(message.contains("state.sqlite"))
            #expect(try store.currentLockOwner()?.pid == other.processIdentifier)
        }
    }

    @Test func deadOwnersLockIsTakenOverAndLogged() throws {
        try Fx.withTemporaryDirectory { dir in
            let dead = try Fx.deadPID()
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            try store.acquireRunLock(pid: dead, command: "lema run crashed.yaml")
            try store.acquireRunLock(pid: getpid(), command: "lema run again.yaml")
            let owner = try #require(try store.currentLockOwner())
            #expect(owner.pid == getpid())
            #expect(owner.command == "lema run again.yaml")
            let lockEvents = try store.events(node: nil, limit: 10).filter { $0.kind == "lock" }
            #expect(lockEvents.count == 1)
            #expect(lockEvents.first?.message.hasPrefix("lock taken over from dead pid \(dead) (lema run crashed.yaml)")
                    == true)
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
            try store.acquireRunLock(pid: pid, command: "old lema", startTime: realStart + 1)
            try store.acquireRunLock(pid: getpid(), command: "new lema")
            #expect(try store.currentLockOwner()?.pid == getpid())
        }
    }

    @Test func sameProcessMayReacquireAndOnlyTheOwnerReleases() throws {
        try Fx.withTemporaryDirectory { dir in
            let store = try Store(path: Fx.storeURL(dir))
            defer { try? store.close() }
            try store.acquireRunLock(pid: getpid(), command: "lema run")
            try store.acquireRunLock(pid: getpid(), command: "lema run")
            try store.releaseRunLock(pid: getpid() &+ 1)
            #expect(try store.currentLockOwner()?.pid == getpid())
            try store.releaseRunLock(pid: getpid())
            #expect(try store.currentLockOwner() == nil)
            // A second store instance (another "process" view of the file) sees the same lock.
            try store.acquireRunLock(pid: getpid(), command: "lema run")
            let other = try Store(path: Fx.storeURL(dir))
            defer { try? other.close() }
            #expect(try other.currentLockOwner()?.command == "lema run")
        }
    }

    @Test func processStartTimeIsReadForThisProcess() throws {
        let start = try #require(StoreProcess.startTime(of: getpid()))
        #expect(start > 0)
        #expect(StoreProcess.startTime(of: try Fx.deadPID()) == nil)
        #expect(!StoreProcess.exists(0))
    }
}
