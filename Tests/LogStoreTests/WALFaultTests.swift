import Foundation
import Testing
@testable import LogStore

/// Helpers for the fault-injection suites.
enum Faults {
    /// `n` records tagged with correlation ID `tag` (so a query finds exactly them).
    static func records(_ tag: String, _ n: Int, base: Int64 = nowNanos() - 60 * nanosPerSecond) -> [LogRecord] {
        (0..<n).map {
            LogRecord(timestamp: base + Int64($0) * 1_000_000, level: LogLevel.allCases[$0 % LogLevel.count], source: "fault",
                      correlationID: tag, message: "\(tag) record \($0)", attributes: [Attribute("i", .int(Int64($0)))])
        }
    }

    static func options(_ io: FaultInjectingIO, _ durability: Durability = .sync) -> StoreOptions {
        var o = StoreOptions(durability: durability)
        o.io = io
        o.batchInterval = .milliseconds(5)
        return o
    }

    /// Opens `path` with the plain file system and returns every record, sorted, then closes it.
    static func reopenedRecords(_ path: String) throws -> [LogRecord] {
        let store = try LogStore.open(at: path, options: StoreOptions(durability: .none))
        defer { try? store.close() }
        return try store.records(LogQuery())
    }

    /// What a crash at this instant would leave: a copy of the store directory, opened and read.
    static func recordsAfterCrash(_ path: String, copies: TempDir) throws -> [LogRecord] {
        let copy = try copyStore(path, into: copies, name: "crash-\(UUID().uuidString)")
        let out = try reopenedRecords(copy)
        let report = try LogStore.verify(at: copy)
        #expect(report.isClean, "the store a crash would leave verifies clean: \(report.problems)")
        return out
    }

    /// Copies directory `source` to `target` (what a crash at this instant would leave); nil on failure.
    static func copyDirectory(_ source: String, to target: String) -> String? {
        (try? FileManager.default.copyItem(atPath: source, toPath: target)) == nil ? nil : target
    }

    /// Whether `error` is an I/O error with `errno` `code`.
    static func isIO(_ error: any Error, _ code: Int32) -> Bool {
        guard let e = error as? LogStoreError else { return false }
        return e.kind == .io && e.code == code
    }
}

/// A WAL `write` or `fdatasync` that fails: the append is reported failed, what was acknowledged
/// before survives, the engine never counts the failed bytes as durable, and the store takes
/// appends again at once, without being reopened (WALCommitter, docs/FORMAT.md section 6).
@Suite struct WALFaultTests {
    enum WALFault: String, CaseIterable, Sendable {
        case writeENOSPC, writeEIO, shortWrite, fdatasyncEIO

        var code: Int32 { self == .writeENOSPC || self == .shortWrite ? ENOSPC : EIO }

        func inject(into io: FaultInjectingIO, times: Int? = 1) -> Int {
            switch self {
            case .writeENOSPC: io.inject(.write, path: "/wal/", times: times, .fail(ENOSPC))
            case .writeEIO: io.inject(.write, path: "/wal/", times: times, .fail(EIO))
            case .shortWrite: io.inject(.write, path: "/wal/", times: times, .shortWrite(bytes: 23, errno: ENOSPC))
            case .fdatasyncEIO: io.inject(.fdatasync, path: "/wal/", times: times, .fail(EIO))
            }
        }
    }

    @Test(arguments: WALFault.allCases)
    func syncAppendFailsKeepsWhatWasAcknowledgedAndTheStoreRecoversWithoutReopening(_ fault: WALFault) throws {
        let dir = TempDir()
        let copies = TempDir()
        let io = FaultInjectingIO()
        let store = try LogStore.open(at: dir.path, options: Faults.options(io))
        let before = try appendInBatches(store, Faults.records("before", 30), batches: 3)

        let index = fault.inject(into: io)
        let failed = Faults.records("failed", 7)
        #expect(performing: { try store.append(failed) }, throws: { Faults.isIO($0, fault.code) })
        #expect(io.fired(index) == 1)
        #expect(try store.records(LogQuery(correlationID: "failed")).isEmpty, "a failed append is not in queries")
        #expect(store.statistics.counters.lostToWriteFailures == failed.count)

        // A crash now: the failed bytes must not come back, everything acknowledged must.
        expectSameRecords(try Faults.recordsAfterCrash(dir.path, copies: copies), reference(before, LogQuery()),
                          "crash right after the failed append")

        // The fault has cleared: the same store takes appends again.
        let after = try appendInBatches(store, Faults.records("after", 20), batches: 2)
        expectSameRecords(try store.records(LogQuery()), reference(before + after, LogQuery()), "live, after recovery")
        try store.sync()  // the failure was reported to its appender; nothing else was lost
        try store.close()
        expectSameRecords(try Faults.reopenedRecords(dir.path), reference(before + after, LogQuery()), "reopened")
        #expect(try LogStore.verify(at: dir.path).isClean)
    }

    @Test(arguments: [WALFault.writeEIO, .fdatasyncEIO])
    func batchAppendLostToAFailedSyncIsReportedBySyncAndWaitUntilDurable(_ fault: WALFault) async throws {
        let dir = TempDir()
        let copies = TempDir()
        let io = FaultInjectingIO()
        let store = try LogStore.open(at: dir.path, options: Faults.options(io, .batch))
        let before = try appendInBatches(store, Faults.records("before", 20), batches: 2)
        try store.sync()

        _ = fault.inject(into: io)
        // `.batch` acknowledges on enqueue; the write or sync fails behind the caller's back.
        let receipt = try store.append(Faults.records("lost", 5))
        #expect(receipt.accepted == 5)
        await #expect(throws: LogStoreError.self) { try await store.waitUntilDurable(receipt) }
        #expect(performing: { try store.sync() }, throws: { ($0 as? LogStoreError)?.kind == .writeFailed })
        try store.sync()  // reported once; nothing lost since
        #expect(try store.records(LogQuery(correlationID: "lost")).isEmpty, "lost records are not served")
        expectSameRecords(try Faults.recordsAfterCrash(dir.path, copies: copies), reference(before, LogQuery()),
                          "crash after the failed sync")

        let after = try appendInBatches(store, Faults.records("after", 10), batches: 1)
        try store.sync()
        try store.close()
        expectSameRecords(try Faults.reopenedRecords(dir.path), reference(before + after, LogQuery()), "reopened")
    }

    @Test func lostBatchAppendIsReportedByCloseWhenNobodyAsked() throws {
        let dir = TempDir()
        let io = FaultInjectingIO()
        let store = try LogStore.open(at: dir.path, options: Faults.options(io, .batch))
        let before = try appendInBatches(store, Faults.records("before", 10), batches: 1)
        try store.sync()
        _ = WALFault.fdatasyncEIO.inject(into: io)
        _ = try store.append(Faults.records("lost", 3))
        // Wait until the committer has tried (and failed) to sync it.
        waitUntil(timeout: .seconds(30)) { store.statistics.counters.lostToWriteFailures != 0 }
        #expect(store.statistics.counters.lostToWriteFailures == 3)
        #expect(performing: { try store.close() }, throws: { ($0 as? LogStoreError)?.kind == .writeFailed })
        expectSameRecords(try Faults.reopenedRecords(dir.path), reference(before, LogQuery()), "reopened")
    }

    @Test func aDiskFullForSeveralAppendsFailsEachAndTheStoreResumesWhenSpaceReturns() throws {
        let dir = TempDir()
        let io = FaultInjectingIO()
        let store = try LogStore.open(at: dir.path, options: Faults.options(io))
        let before = try appendInBatches(store, Faults.records("before", 10), batches: 1)
        // Every WAL write fails, including the header of the fresh file the committer tries to start.
        _ = WALFault.writeENOSPC.inject(into: io, times: nil)
        for i in 0..<4 {
            #expect(performing: { try store.append(Faults.records("full-\(i)", 3)) }, throws: { Faults.isIO($0, ENOSPC) })
        }
        io.clear()
        let after = try appendInBatches(store, Faults.records("after", 10), batches: 2)
        try store.flush()
        try store.close()
        expectSameRecords(try Faults.reopenedRecords(dir.path), reference(before + after, LogQuery()), "reopened")
        #expect(try LogStore.verify(at: dir.path).isClean)
    }

    @Test func concurrentAppendersUnderIntermittentFaultsKeepExactlyTheAcknowledgedRecords() throws {
        let dir = TempDir()
        let io = FaultInjectingIO()
        var opts = Faults.options(io)
        opts.headFlushBytes = 64 << 10  // flushes (and WAL rotations) happen during the run
        opts.blockSize = 2048
        let rng = Locked(SeededRandom(seed: 7))
        let decide: @Sendable (String) -> Int32? = { _ in
            rng.update { r in Int.random(in: 0..<100, using: &r) < 8 ? EIO : nil }
        }
        let store = try LogStore.open(at: dir.path, options: opts)
        io.inject(.write, path: "/wal/", times: nil, .failWhen(decide))
        io.inject(.fdatasync, path: "/wal/", times: nil, .failWhen(decide))
        let acknowledged = Locked<[LogRecord]>([])
        let failedCount = Locked(0)
        let unexpected = Locked<[String]>([])
        let done = Locked(0)
        let appenders = 3
        var bodies: [@Sendable () -> Void] = (0..<appenders).map { a in
            {
                for b in 0..<40 {
                    let batch = Faults.records("t\(a)-b\(b)", 6).map {
                        var r = $0
                        r.message += " " + String(repeating: "x", count: 200)
                        return r
                    }
                    do {
                        let receipt = try store.append(batch)
                        let stored = batch.enumerated().map { i, r in
                            var r = r
                            r.sequence = receipt.firstSequence + UInt64(i)
                            return r
                        }
                        acknowledged.update { $0 += stored }
                    } catch {
                        if Faults.isIO(error, EIO) || (error as? LogStoreError)?.kind == .io {
                            failedCount.update { $0 += batch.count }
                        } else {
                            unexpected.update { $0.append("\(error)") }
                        }
                    }
                }
                done.update { $0 += 1 }
            }
        }
        bodies.append {
            while done.value < appenders {
                do {
                    let all = try store.records(LogQuery(order: .descending))
                    if !isStrictlySorted(all, descending: true) { unexpected.update { $0.append("unsorted query") } }
                } catch { unexpected.update { $0.append("query: \(error)") } }
            }
        }
        ConcurrencyTests.runThreads(bodies)
        io.clear()
        for u in unexpected.value.prefix(5) { Issue.record(Comment(rawValue: u)) }
        #expect(failedCount.value > 0, "the faults fired")
        #expect(!acknowledged.value.isEmpty)
        #expect(store.statistics.counters.lostToWriteFailures == failedCount.value)
        expectSameRecords(try store.records(LogQuery()), reference(acknowledged.value, LogQuery()), "live")
        try store.close()
        expectSameRecords(try Faults.reopenedRecords(dir.path), reference(acknowledged.value, LogQuery()), "reopened")
        #expect(try LogStore.verify(at: dir.path).isClean)
    }
}
