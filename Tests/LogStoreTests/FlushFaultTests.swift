import Foundation
import Testing
@testable import LogStore

/// Segment writes that fail, and crashes in the middle of a flush (docs/FORMAT.md section 6,
/// "Flush"): the WAL keeps every record until its segments are durable, no `.seg.tmp` stays, the
/// head stays queryable, the flusher retries, and a crash at any of these points reopens cleanly.
@Suite struct FlushFaultTests {
    enum SegmentFault: String, CaseIterable, Sendable {
        case writeENOSPC, writeEIO, shortWrite, fdatasyncEIO, renameEIO, directoryFsyncEIO

        func inject(into io: FaultInjectingIO, after: Int = 0) {
            switch self {
            case .writeENOSPC: io.inject(.write, path: ".seg.tmp", after: after, .fail(ENOSPC))
            case .writeEIO: io.inject(.write, path: ".seg.tmp", after: after, .fail(EIO))
            case .shortWrite: io.inject(.write, path: ".seg.tmp", after: after, .shortWrite(bytes: 100, errno: ENOSPC))
            case .fdatasyncEIO: io.inject(.fdatasync, path: ".seg.tmp", after: after, .fail(EIO))
            case .renameEIO: io.inject(.rename, path: ".seg.tmp", after: after, .fail(EIO))
            case .directoryFsyncEIO: io.inject(.fsyncDirectory, path: "/segments", after: after, .fail(EIO))
            }
        }
    }

    /// Records over `hours` hours, so that a flush writes a group of several segments (one-hour windows).
    static func spread(_ tag: String, _ n: Int, hours: Int) -> [LogRecord] {
        let start = nowNanos() - Int64(hours) * nanosPerHour
        return (0..<n).map {
            LogRecord(timestamp: start + Int64($0) * (Int64(hours) * nanosPerHour / Int64(n)), level: .info, source: "flush",
                      correlationID: "\(tag)-\($0 % 9)", message: "\(tag) \($0)")
        }
    }

    static func tmpFiles(_ store: String) -> [String] { listNames(store + "/segments").filter { $0.hasSuffix(".tmp") } }

    @Test(arguments: SegmentFault.allCases)
    func failedFlushLeavesWALAndHeadInPlaceAndTheRetrySucceeds(_ fault: SegmentFault) throws {
        let dir = TempDir()
        let copies = TempDir()
        let io = FaultInjectingIO()
        let store = try LogStore.open(at: dir.path, options: Faults.options(io))
        // Three windows: a group of three segments, so a fault can strike after some were renamed.
        let stored = try appendInBatches(store, Self.spread("f", 300, hours: 3), batches: 5)
        fault.inject(into: io, after: fault == .renameEIO || fault == .writeENOSPC ? 1 : 0)

        #expect(throws: LogStoreError.self) { try store.flush() }
        #expect(Self.tmpFiles(dir.path).isEmpty, "no .seg.tmp left: \(listNames(dir.path + "/segments"))")
        #expect(segmentNames(dir.path).isEmpty, "no segment of the failed group stays: \(segmentNames(dir.path))")
        #expect(!walNames(dir.path).isEmpty, "the WAL still holds the records")
        expectSameRecords(try store.records(LogQuery()), reference(stored, LogQuery()), "head still queryable")
        expectSameRecords(try Faults.recordsAfterCrash(dir.path, copies: copies), reference(stored, LogQuery()),
                          "crash after the failed flush")

        try store.flush()  // the fault fired once; the flusher's retry succeeds
        #expect(segmentNames(dir.path).count >= 3)
        expectSameRecords(try store.records(LogQuery()), reference(stored, LogQuery()), "after the retried flush")
        let more = try appendInBatches(store, Faults.records("more", 10), batches: 1)
        try store.close()
        expectSameRecords(try Faults.reopenedRecords(dir.path), reference(stored + more, LogQuery()), "reopened")
        let report = try LogStore.verify(at: dir.path)
        #expect(report.isClean, "\(report.problems)")
    }

    /// A crash after the segments were written and synced, before they were renamed into place.
    @Test func crashBetweenWritingASegmentAndRenamingItRecoversEveryRecord() throws {
        let dir = TempDir()
        let copies = TempDir()
        let io = FaultInjectingIO()
        let store = try LogStore.open(at: dir.path, options: Faults.options(io))
        defer { try? store.close() }
        let stored = try appendInBatches(store, Self.spread("r", 200, hours: 2), batches: 4)
        let image = Locked<String?>(nil)
        let (source, target) = (dir.path, copies.path)
        io.inject(.rename, path: ".seg.tmp", .hook { _ in
            image.update { $0 = Faults.copyDirectory(source, to: target + "/at-rename") }
        })
        try store.flush()
        let crashed = try #require(image.value)
        #expect(!Self.tmpFiles(crashed).isEmpty, "the image holds the unrenamed .seg.tmp")
        expectSameRecords(try Faults.reopenedRecords(crashed), reference(stored, LogQuery()), "crash before the rename")
        #expect(Self.tmpFiles(crashed).isEmpty, "open deleted the .seg.tmp")
        #expect(try LogStore.verify(at: crashed).isClean)
    }

    /// A crash after the segments were renamed, before the directory was synced: the image holds a
    /// complete group and the WAL file it replaces; no record may appear twice.
    @Test func crashBetweenRenamingSegmentsAndSyncingTheirDirectoryRecoversEveryRecordOnce() throws {
        let dir = TempDir()
        let copies = TempDir()
        let io = FaultInjectingIO()
        let store = try LogStore.open(at: dir.path, options: Faults.options(io))
        defer { try? store.close() }
        let stored = try appendInBatches(store, Self.spread("d", 200, hours: 2), batches: 4)
        let image = Locked<String?>(nil)
        let (source, target) = (dir.path, copies.path)
        io.inject(.fsyncDirectory, path: "/segments", .hook { _ in
            image.update { $0 = Faults.copyDirectory(source, to: target + "/at-dir-fsync") }
        })
        try store.flush()
        let crashed = try #require(image.value)
        #expect(segmentNames(crashed).count >= 2, "the whole group was renamed")
        #expect(!walNames(crashed).isEmpty)
        expectSameRecords(try Faults.reopenedRecords(crashed), reference(stored, LogQuery()), "crash before the directory fsync")
        #expect(try LogStore.verify(at: crashed).isClean)
    }

    /// A crash while the first of two segments was renamed and the second not: an incomplete group
    /// whose WAL file exists is deleted at open and rebuilt from the WAL.
    @Test func crashInTheMiddleOfRenamingAGroupRebuildsItFromTheWAL() throws {
        let dir = TempDir()
        let copies = TempDir()
        let io = FaultInjectingIO()
        let store = try LogStore.open(at: dir.path, options: Faults.options(io))
        defer { try? store.close() }
        let stored = try appendInBatches(store, Self.spread("m", 300, hours: 3), batches: 3)
        let image = Locked<String?>(nil)
        let (source, target) = (dir.path, copies.path)
        io.inject(.rename, path: ".seg.tmp", after: 1, .hook { _ in
            image.update { $0 = Faults.copyDirectory(source, to: target + "/mid-rename") }
        })
        try store.flush()
        let crashed = try #require(image.value)
        #expect(segmentNames(crashed).count == 1)
        let reopened = try LogStore.open(at: crashed, options: StoreOptions(durability: .none))
        #expect(reopened.recoveryReport.removedIncompleteSegments.count == 1)
        expectSameRecords(try reopened.records(LogQuery()), reference(stored, LogQuery()), "crash mid-rename")
        try reopened.close()
        #expect(try LogStore.verify(at: crashed).isClean)
    }

    /// A failure that has cleared does not fail `close()`: close waits for the retried flush (found by
    /// the concurrent fault test under ASan, where close returned the stale error of a failed rotation).
    @Test func closeAfterTheDiskRecoversFlushesAndDoesNotReportTheClearedFailure() throws {
        let dir = TempDir()
        let io = FaultInjectingIO()
        let store = try LogStore.open(at: dir.path, options: Faults.options(io))
        let before = try appendInBatches(store, Faults.records("before", 20), batches: 2)
        io.inject(.write, path: "/wal/", times: nil, .fail(ENOSPC))  // the next WAL file gets no header
        #expect(performing: { try store.flush() }, throws: { Faults.isIO($0, ENOSPC) })
        io.clear()
        try store.close()
        #expect(walFilesWithFrames(dir.path).isEmpty, "close flushed everything")
        expectSameRecords(try Faults.reopenedRecords(dir.path), reference(before, LogQuery()), "reopened")
        #expect(try LogStore.verify(at: dir.path).isClean)
    }

    /// Retention frees disk even while every flush fails (on a full disk it is what frees space):
    /// the background thread applies it between flush retries.
    @Test func retentionRunsWhileFlushesKeepFailing() throws {
        let dir = TempDir()
        let io = FaultInjectingIO()
        let clock = TestClock(nowNanos())
        var opts = Faults.options(io)
        opts.clock = clock.function
        opts.retention = .seconds(2 * 3_600)
        opts.expiryInterval = .milliseconds(20)
        let store = try LogStore.open(at: dir.path, options: opts)
        _ = try appendInBatches(store, Faults.records("old", 20, base: clock.now - 100 * nanosPerMinute), batches: 1)
        try store.flush()
        #expect(segmentNames(dir.path).count == 1)
        io.inject(.write, path: ".seg.tmp", times: nil, .fail(ENOSPC))
        let fresh = try appendInBatches(store, Faults.records("fresh", 10, base: clock.now), batches: 1)
        #expect(throws: LogStoreError.self) { try store.flush() }
        clock.advance(by: .seconds(30 * 60))  // the old segment's records are now past the retention
        waitUntil(timeout: .seconds(30), every: .milliseconds(10)) { segmentNames(dir.path).isEmpty }
        #expect(segmentNames(dir.path).isEmpty, "the expired segment was removed while flushes failed")
        io.clear()
        try store.flush()
        try store.close()
        var reopenOptions = StoreOptions(durability: .none)
        reopenOptions.clock = clock.function
        let reopened = try LogStore.open(at: dir.path, options: reopenOptions)
        defer { try? reopened.close() }
        expectSameRecords(try reopened.records(LogQuery()), reference(fresh, LogQuery()), "reopened")
    }

    /// Creating the next WAL file fails (disk full): the rotation is retried, appends meanwhile
    /// fail, and both flush and append work once space returns.
    @Test func walRotationThatCannotCreateItsFileIsRetried() throws {
        let dir = TempDir()
        let io = FaultInjectingIO()
        let store = try LogStore.open(at: dir.path, options: Faults.options(io))
        let before = try appendInBatches(store, Faults.records("before", 20), batches: 2)
        io.inject(.open, path: ".wal", times: nil, .fail(ENOSPC))
        #expect(performing: { try store.flush() }, throws: { Faults.isIO($0, ENOSPC) })
        #expect(performing: { try store.append(Faults.records("during", 2)) }, throws: { Faults.isIO($0, ENOSPC) })
        expectSameRecords(try store.records(LogQuery()), reference(before, LogQuery()), "while the WAL cannot rotate")
        io.clear()
        let after = try appendInBatches(store, Faults.records("after", 10), batches: 1)
        try store.flush()
        try store.close()
        expectSameRecords(try Faults.reopenedRecords(dir.path), reference(before + after, LogQuery()), "reopened")
        #expect(try LogStore.verify(at: dir.path).isClean)
    }
}
