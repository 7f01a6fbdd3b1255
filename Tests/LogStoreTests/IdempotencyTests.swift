import Foundation
import Testing
@testable import LogStore
import LogStoreFormat

/// Idempotent appends (issue 5, item 4; docs/FORMAT.md, section 8): a record whose idempotency key the
/// store accepted within the window is dropped, across clean restarts (KEYS) and crashes (keys frames).
@Suite struct IdempotencyTests {
    static func keyed(_ tag: String, _ range: Range<Int>, base: Int64 = nowNanos() - 60 * nanosPerSecond) -> [LogRecord] {
        range.map {
            LogRecord(timestamp: base + Int64($0) * 1_000_000, level: .info, source: "upstream",
                      message: "\(tag) event \($0)", idempotencyKey: IdempotencyKey("\(tag)-\($0)"))
        }
    }

    static func options(_ clock: TestClock? = nil, window: Duration = .seconds(600), durability: Durability = .sync) -> StoreOptions {
        var o = StoreOptions(durability: durability)
        o.batchInterval = .milliseconds(2)
        o.idempotencyWindow = window
        if let clock { o.clock = clock.function }
        return o
    }

    static func messageCounts(_ store: LogStore) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for r in try store.records(LogQuery()) { out[r.message, default: 0] += 1 }
        return out
    }

    @Test func aRetriedKeyWithinTheWindowIsDroppedAndCounted() throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: Self.options())
        defer { try? store.close() }
        let first = try store.append(Self.keyed("a", 0..<10))
        #expect(first.accepted == 10 && first.duplicates == 0)
        // A retry of part of it, with new events and a repeat inside the same batch.
        let retry = Self.keyed("a", 5..<15) + Self.keyed("a", 12..<13)
        let second = try store.append(retry)
        #expect(second.accepted == 5)
        #expect(second.duplicates == 6)
        #expect(store.statistics.counters.droppedDuplicates == 6)
        // Records without keys are never deduplicated.
        var plain = Self.keyed("a", 0..<2)
        for i in plain.indices { plain[i].idempotencyKey = nil }
        #expect(try store.append(plain).accepted == 2)
        let counts = try Self.messageCounts(store)
        #expect(counts.count == 15)
        #expect(counts["a event 0"] == 2 && counts["a event 1"] == 2 && counts["a event 14"] == 1)
        #expect(counts.values.reduce(0, +) == 17)
    }

    @Test func aKeyIsForgottenAfterTheWindowAndBeyondTheKeyLimit() throws {
        let dir = TempDir()
        let clock = TestClock(nowNanos())
        var options = Self.options(clock, window: .seconds(60))
        options.idempotencyMaxKeys = 10
        let store = try LogStore.open(at: dir.path, options: options)
        defer { try? store.close() }
        let base = clock.now - 60 * nanosPerSecond
        #expect(try store.append(Self.keyed("w", 0..<5, base: base)).accepted == 5)
        clock.advance(by: .seconds(59))
        #expect(try store.append(Self.keyed("w", 0..<1, base: base)).duplicates == 1)
        clock.advance(by: .seconds(2))
        #expect(try store.append(Self.keyed("w", 0..<1, base: base)).accepted == 1, "the window has passed")
        // 20 new keys with room for 10: the oldest are forgotten early, the newest still deduplicate.
        #expect(try store.append(Self.keyed("n", 0..<20, base: base)).accepted == 20)
        #expect(try store.append(Self.keyed("n", 0..<1, base: base)).accepted == 1)
        #expect(try store.append(Self.keyed("n", 19..<20, base: base)).duplicates == 1)
    }

    @Test func invalidKeysAreRejectedWithAReason() throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: Self.options())
        defer { try? store.close() }
        var records = Self.keyed("x", 0..<3)
        records[0].idempotencyKey = IdempotencyKey("")
        records[1].idempotencyKey = IdempotencyKey(String(repeating: "k", count: 256))
        let r = try store.append(records)
        #expect(r.accepted == 1)
        #expect(r.rejected.map(\.index) == [0, 1])
        #expect(r.rejected.allSatisfy { $0.reason.contains("idempotency key") })
    }

    @Test func keysOfFlushedRecordsSurviveACleanRestart() throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: Self.options())
        try store.append(Self.keyed("f", 0..<50))
        try store.close()
        #expect(fileExists(dir.file(KeysFile.fileName)))
        #expect(walFilesWithFrames(dir.path).isEmpty, "everything is in segments: the keys come from KEYS")
        let reopened = try LogStore.open(at: dir.path, options: Self.options())
        defer { try? reopened.close() }
        let retry = try reopened.append(Self.keyed("f", 40..<60))
        #expect(retry.duplicates == 10 && retry.accepted == 10)
        #expect(try Self.messageCounts(reopened).values.allSatisfy { $0 == 1 })
    }

    @Test func keysOfRecordsStillInTheWALSurviveACrash() throws {
        let dir = TempDir()
        let copies = TempDir()
        let store = try LogStore.open(at: dir.path, options: Self.options())
        defer { try? store.close() }
        try store.append(Self.keyed("c", 0..<30))
        try store.append(Self.keyed("c", 30..<40))
        // What a crash now leaves: the records and their keys frames in the WAL, no KEYS file.
        let image = try copyStore(dir.path, into: copies, name: "crash")
        #expect(!fileExists(image + "/" + KeysFile.fileName))
        let reopened = try LogStore.open(at: image, options: Self.options())
        defer { try? reopened.close() }
        #expect(reopened.recoveryReport.replayedRecords == 40)
        let retry = try reopened.append(Self.keyed("c", 25..<45))
        #expect(retry.duplicates == 15 && retry.accepted == 5)
        try reopened.close()
        #expect(try LogStore.verify(at: image).isClean)
    }

    @Test func aDamagedKeysFileIsReportedAndNothingIsLost() throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: Self.options())
        try store.append(Self.keyed("d", 0..<5))
        try store.close()
        try flipByte(dir.file(KeysFile.fileName), at: KeysFile.headerSize + 3)
        #expect(try LogStore.verify(at: dir.path).problems.contains { $0.file == KeysFile.fileName })
        let reopened = try LogStore.open(at: dir.path, options: Self.options())
        defer { try? reopened.close() }
        #expect(reopened.recoveryReport.keysFileProblem != nil)
        // The keys are forgotten, so the retry is stored: a duplicate, never a loss.
        #expect(try reopened.append(Self.keyed("d", 0..<5)).accepted == 5)
    }

    /// A keyed append that fails in the WAL is forgotten with its keys, so its retry is stored.
    @Test func theRetryOfAnAppendLostToAFailedWALWriteIsStored() throws {
        let dir = TempDir()
        let io = FaultInjectingIO()
        var options = Faults.options(io, .sync)
        options.idempotencyWindow = .seconds(600)
        let store = try LogStore.open(at: dir.path, options: options)
        defer { try? store.close() }
        try store.append(Self.keyed("l", 0..<3))
        _ = WALFaultTests.WALFault.writeEIO.inject(into: io)
        #expect(throws: LogStoreError.self) { try store.append(Self.keyed("l", 3..<6)) }
        let retry = try store.append(Self.keyed("l", 0..<6))
        #expect(retry.duplicates == 3 && retry.accepted == 3)
        #expect(try Self.messageCounts(store).count == 6)
    }

    /// A real writer process killed with SIGKILL mid-stream: retrying every event it was sending after
    /// the restart stores none of the acknowledged ones twice (keys from WAL keys frames and KEYS).
    ///
    /// Found in a clean-clone CI run: a kill after a flush renamed its segments but before it saved
    /// their keys to KEYS lost those keys (open deleted the covered WAL files with their keys frames);
    /// open now carries such keys into KEYS first. The long run (2 s per kill) makes the crash writer
    /// flush many times, so kills land in that window.
    @Test(.enabled(if: CrashWriter.available != nil, "logstore binary with `crash-writer` not built next to the tests"),
          .timeLimit(.minutes(1)))
    func aRetryAfterSIGKILLAndRestartIsDeduplicated() throws {
        let exe = try #require(CrashWriter.available)
        let dir = TempDir()
        let store = dir.path + "/store"
        for (iteration, seed) in [UInt64(7), 8, 9].enumerated() {
            let batch = iteration == 0 ? 1 : 100
            let acks = try CrashRecoveryTests.runAndKill(exe, store: store, seed: seed, batch: batch,
                                                         millis: 2000 * CrashWriter.slowdown, maxAcks: 200_000, extraArguments: ["--keyed"])
            try #require(acks.count > 0, "iteration \(iteration): the writer acknowledged nothing")
            let opened = try LogStore.open(at: store, options: Self.options())
            // The upstream retries everything from the start, plus the batch that was in flight.
            let sent = acks.count + batch
            let base = nowNanos() - 60 * nanosPerSecond
            let retry = (0..<sent).map { n in
                LogRecord(timestamp: base + Int64(n), level: .info, source: "crash-\(seed)", message: "m-\(seed)-\(n)",
                          idempotencyKey: IdempotencyKey("k-\(seed)-\(n)"))
            }
            let receipt = try opened.append(retry)
            #expect(receipt.duplicates >= acks.count, "iteration \(iteration): \(receipt.duplicates) duplicates for \(acks.count) acks")
            let counts = try Self.messageCounts(opened)
            let twice = acks.filter { counts[$0.message] != 1 }
            #expect(twice.isEmpty, "iteration \(iteration): \(twice.count) acknowledged events stored \(twice.first.map { counts[$0.message] ?? 0 } ?? 0) times")
            let notOnce = (0..<sent).filter { n in counts["m-\(seed)-\(n)"] != 1 }
            #expect(notOnce.isEmpty, "iteration \(iteration): \(notOnce.count) events not stored exactly once, first \(notOnce.first ?? -1)")
            try opened.close()
        }
        #expect(try LogStore.verify(at: store).isClean)
    }
}
