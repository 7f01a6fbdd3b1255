import Foundation
import Testing
@testable import LogStore
import LogStoreFormat

/// A crash during a flush (docs/FORMAT.md section 6): segments of an incomplete group are rebuilt from
/// the WAL file that still holds their records; a complete group makes its WAL files obsolete. Either
/// way every record is there exactly once.
///
/// The crash states are assembled from two copies of a live store: one taken before the flush (the WAL
/// holds the records) and one after (the segments hold them and the WAL file is gone).
@Suite struct FlushRecoveryTests {
    struct Fixture {
        let temp = TempDir()
        /// The store before the flush: WAL only.
        let beforeFlush: String
        /// The segment files the flush wrote (flush group of several segments).
        let groupSegments: [String]
        let afterFlush: String
        let records: [LogRecord]

        init() throws {
            let live = temp.path + "/live"
            var opts = StoreOptions(durability: .none)
            opts.segmentSpan = .seconds(60)
            let writer = try LogStore.open(at: live, options: opts)
            let now = nowNanos()
            // Ten minutes of records: one flush, ten windows, a group of about ten segments.
            records = try appendInBatches(writer, (0..<600).map {
                LogRecord(timestamp: now - 600 * nanosPerSecond + Int64($0) * nanosPerSecond, level: .info, source: "flush",
                          message: "record \($0)")
            }, batches: 3)
            try writer.sync()
            beforeFlush = try copyStore(live, into: temp, name: "before")
            try writer.flush()
            afterFlush = try copyStore(live, into: temp, name: "after")
            try writer.close()
            groupSegments = segmentNames(afterFlush)
            try #require(groupSegments.count >= 5)
            try #require(walNames(beforeFlush).count == 1)
            let flushIDs = Set(try groupSegments.map { try openSegment(afterFlush, $0).header.flushID })
            try #require(flushIDs == [WALFormat.fileNumber(walNames(beforeFlush)[0])!], "one group, named by the WAL file")
        }

        /// `beforeFlush` plus some of the group's segment files: the state a crash mid-flush leaves.
        func crashState(keeping segments: [String], name: String) throws -> String {
            let dir = try copyStore(beforeFlush, into: temp, name: name)
            for s in segments {
                try FileManager.default.copyItem(atPath: afterFlush + "/segments/" + s, toPath: dir + "/segments/" + s)
            }
            return dir
        }
    }

    @Test func incompleteFlushGroupIsRebuiltFromItsWALFile() throws {
        let fx = try Fixture()
        let partial = Array(fx.groupSegments.prefix(fx.groupSegments.count / 2))
        let dir = try fx.crashState(keeping: partial, name: "partial")

        let pre = try LogStore.verify(at: dir)
        #expect(pre.isClean, "an interrupted flush whose WAL file remains is a note: \(pre.problems)")
        #expect(!pre.notes.isEmpty)

        let store = try LogStore.open(at: dir, options: StoreOptions(durability: .none))
        #expect(Set(store.recoveryReport.removedIncompleteSegments) == Set(partial.map { "segments/" + $0 }))
        #expect(store.recoveryReport.replayedRecords == fx.records.count)
        expectSameRecords(try store.records(LogQuery()), reference(fx.records, LogQuery()), "records exactly once")
        try store.close()
        #expect(try LogStore.verify(at: dir).isClean)
        let reopened = try LogStore.open(at: dir, options: StoreOptions(durability: .none))
        defer { try? reopened.close() }
        #expect(reopened.recoveryReport.isClean)
        #expect(try reopened.count(LogQuery()) == fx.records.count)
    }

    @Test func completeFlushGroupMakesItsWALFileObsolete() throws {
        let fx = try Fixture()
        // Crash after every segment was renamed into place, before the WAL file was deleted.
        let dir = try fx.crashState(keeping: fx.groupSegments, name: "complete")
        let pre = try LogStore.verify(at: dir)
        #expect(pre.isClean, "\(pre.problems)")

        var ro = StoreOptions()
        ro.readOnly = true
        let reader = try LogStore.open(at: dir, options: ro)
        expectSameRecords(try reader.records(LogQuery()), reference(fx.records, LogQuery()), "read-only view, no duplicates")
        try reader.close()

        let store = try LogStore.open(at: dir, options: StoreOptions(durability: .none))
        #expect(store.recoveryReport.replayedRecords == 0)
        #expect(store.recoveryReport.removedIncompleteSegments.isEmpty)
        expectSameRecords(try store.records(LogQuery()), reference(fx.records, LogQuery()), "records exactly once")
        let next = try store.append(LogRecord(timestamp: nowNanos(), level: .info, source: "flush", message: "next"))
        #expect(next.firstSequence == UInt64(fx.records.count + 1))
        try store.close()
        #expect(try LogStore.verify(at: dir).isClean)
    }

    @Test func readOnlyOpenIgnoresAnIncompleteGroupAndReadsTheWAL() throws {
        let fx = try Fixture()
        let dir = try fx.crashState(keeping: [fx.groupSegments[0], fx.groupSegments[2]], name: "partial-ro")
        let before = try snapshotFiles(dir)
        var ro = StoreOptions()
        ro.readOnly = true
        let reader = try LogStore.open(at: dir, options: ro)
        expectSameRecords(try reader.records(LogQuery()), reference(fx.records, LogQuery()), "no duplicates from the partial group")
        try reader.close()
        #expect(try snapshotFiles(dir) == before, "a reader removes nothing")
    }
}
