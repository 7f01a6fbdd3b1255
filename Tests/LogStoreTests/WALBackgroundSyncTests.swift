import Dispatch
import Foundation
import Testing
@testable import LogStore

/// With `.batch`, the interval's WAL sync runs beside the committer: frames appended while a sync is
/// in progress reach the WAL file (and a follower in another process) at once instead of waiting for
/// the sync, and each sync makes durable only what was written before it started.
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

    @Test func framesReachTheWALWhileAnIntervalSyncIsInProgress() async throws {
        let dir = TempDir()
        let io = FaultInjectingIO()
        let store = try LogStore.open(at: dir.path, options: Faults.options(io, .batch))
        let syncs = HeldSyncs()
        defer {
            io.clear()
            for _ in 0..<8 { syncs.release.signal() }
            try? store.close()
        }
        // Delivers the records tagged "b" as soon as their frame is in the WAL file (synced or not).
        let seen = DispatchSemaphore(value: 0)
        let follower = try LogStore.follow(directory: dir.path, filter: LogQuery(correlationID: "b"), after: 0)
        let reader = Task.detached {
            for try await event in follower { if case .record = event { seen.signal() } }
        }
        defer {
            follower.cancel()
            reader.cancel()
        }
        syncs.hold(io)

        let a = try store.append(Faults.records("a", 5))
        try #require(syncs.waitEntered(), "the interval sync covering the first append started")
        let b = try store.append(Faults.records("b", 1))
        // Before the change the committer thread itself was in that sync: b reached the file after it.
        #expect(seen.wait(timeout: .now() + 10) == .success, "b is in the WAL while the sync before it is held")
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
        #expect(stored.count == 6)
        #expect(Set(stored.compactMap(\.correlationID)) == ["a", "b"])
    }
}
