import Dispatch
import Foundation
import Glibc
import Testing
@testable import LogStore

/// With `.batch`, the interval's WAL sync runs beside the committer: frames appended while a sync is
/// in progress reach the WAL file (which a follower in another process reads) at once instead of
/// waiting for the sync, and each sync makes durable only what was written before it started.
@Suite struct WALBackgroundSyncTests {
    /// Holds every WAL `fdatasync` (a slow device) until released, one at a time.
    final class HeldSyncs: Sendable {
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)

        func hold(_ io: FaultInjectingIO) {
            io.inject(.fdatasync, path: "/wal/", times: nil, .hook { [self] _ in
                entered.signal()
                _ = release.wait(timeout: .now() + 30)
            })
        }

        /// Waits until a sync is held; false after 10 s.
        func waitEntered() -> Bool { entered.wait(timeout: .now() + 10) == .success }
    }

    /// Whether a WAL file of the store at `path` holds `bytes` (a row's message is stored as its bytes).
    static func walContains(_ path: String, _ bytes: [UInt8]) -> Bool {
        walNames(path).contains { name in
            guard let data = FileManager.default.contents(atPath: path + "/wal/" + name) else { return false }
            return data.range(of: Data(bytes)) != nil
        }
    }

    /// Waits until a WAL file holds `bytes` (checking every millisecond: the sync it races is short).
    static func waitForWAL(_ path: String, _ bytes: [UInt8]) -> Bool {
        waitUntil(timeout: .seconds(10), every: .milliseconds(1)) { walContains(path, bytes) }
    }

    // Synchronous, and the WAL read directly: a reader task on the cooperative pool could be starved
    // by other tests' blocking calls (2 cores, 2 pool threads) and look like a frame that never came.
    @Test func framesReachTheWALWhileAnIntervalSyncIsInProgress() throws {
        let dir = TempDir()
        let io = FaultInjectingIO()
        let store = try LogStore.open(at: dir.path, options: Faults.options(io, .batch))
        let syncs = HeldSyncs()
        defer {
            io.clear()
            for _ in 0..<8 { syncs.release.signal() }
            try? store.close()
        }
        // Something written and synced before the hold: the only sync held below is the interval sync
        // that covers `a`.
        try store.append(Faults.records("before", 1))
        try store.sync()
        syncs.hold(io)

        let a = try store.append(Faults.records("a", 5))
        try #require(syncs.waitEntered(), "the interval sync covering the first append started")
        let b = try store.append(Faults.records("b", 1))
        // Before the change the committer thread itself was in that sync: b reached the file after it.
        // The file is what `LogStore.follow` and `logstore tail -f` in another process read.
        #expect(Self.waitForWAL(dir.path, Array("b record 0".utf8)), "b is in the WAL while the sync before it is held")
        #expect(store.durabilityOutcome(a) == nil, "a is not durable while its sync is held")
        #expect(store.durabilityOutcome(b) == nil)

        syncs.release.signal()
        try store.waitUntilDurableBlocking(a)
        // The next sync, which covers b, is held too: the one that finished did not cover b.
        try #require(syncs.waitEntered(), "a second sync started for b")
        #expect(store.durabilityOutcome(b) == nil, "b was written after the first sync started: not durable by it")
        syncs.release.signal()
        try store.waitUntilDurableBlocking(b)

        io.clear()
        for _ in 0..<8 { syncs.release.signal() }
        try store.close()
        let stored = try Faults.reopenedRecords(dir.path)
        #expect(stored.count == 7)
        #expect(Set(stored.compactMap(\.correlationID)) == ["before", "a", "b"])
    }

    /// `sync()` called while an interval sync is in progress is served by that sync. Its request must not
    /// outlive it: left pending, the next append's round became a sync on the committer thread, and a
    /// frame appended during that sync waited for it (the first test above failed about one run in four
    /// beside other suites, when the `sync()` before its hold met an interval sync).
    @Test func aSyncServedByAnIntervalSyncLeavesNoSyncOfTheCommittersOwnBehind() throws {
        let dir = TempDir()
        let io = FaultInjectingIO()
        let store = try LogStore.open(at: dir.path, options: Faults.options(io, .batch))
        let syncs = HeldSyncs()
        defer {
            io.clear()
            for _ in 0..<8 { syncs.release.signal() }
            try? store.close()
        }
        syncs.hold(io)
        let x = try store.append(Faults.records("x", 1))
        try #require(syncs.waitEntered(), "the interval sync covering x started")
        // sync() while that sync is held: it asks for a sync and waits.
        let synced = DispatchSemaphore(value: 0)
        let outcome = LockedState<String?>(nil)
        Thread.detachNewThread {
            do { try store.sync() } catch { outcome.withLock { $0 = "\(error)" } }
            synced.signal()
        }
        let committer = try #require(store.committer)
        #expect(waitUntil { committer.hasPendingSyncRequest }, "sync() has asked for a sync")
        syncs.release.signal()
        #expect(synced.wait(timeout: .now() + 10) == .success, "sync() returned once the interval sync was done")
        #expect(outcome.withLock { $0 } == nil)
        try store.waitUntilDurableBlocking(x)

        // The next append goes the interval's way (a background sync, held), not a sync of the committer's own.
        _ = try store.append(Faults.records("a", 1))
        try #require(syncs.waitEntered(), "a sync covering a started")
        _ = try store.append(Faults.records("b", 1))
        #expect(Self.waitForWAL(dir.path, Array("b record 0".utf8)), "b is in the WAL while the sync before it is held")
        #expect(!committer.hasPendingSyncRequest)
    }
}
