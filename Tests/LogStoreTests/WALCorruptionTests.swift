import Foundation
import Testing
@testable import LogStore
import LogStoreFormat

/// WAL recovery (docs/FORMAT.md 4.3 and section 6): torn tails are cut silently, damage in the
/// middle is salvaged around, quarantined and reported, or refused on request.
///
/// A crash cannot be simulated in-process, so each test builds a WAL with a live writer, copies the
/// directory while the writer is still open (the copy is what a crash would leave) and works on the copy.
@Suite struct WALCorruptionTests {
    /// A store copy whose single WAL file holds `frames` frames of `perFrame` records each.
    struct Fixture {
        let temp = TempDir()
        let store: String
        let walPath: String
        let walName: String
        let records: [LogRecord]
        /// Records per frame, in frame order.
        let frames: [[LogRecord]]
        let frameOffsets: [Int]
        let walBytes: [UInt8]

        init(frames count: Int = 8, perFrame: Int = 5) throws {
            let live = temp.path + "/live"
            let writer = try LogStore.open(at: live, options: StoreOptions(durability: .none))
            var frames: [[LogRecord]] = []
            let now = nowNanos()
            for f in 0..<count {
                let batch = (0..<perFrame).map { i in
                    LogRecord(timestamp: now - Int64((count - f) * 1000 + i), level: .info, source: "wal",
                              correlationID: "frame-\(f)", message: "frame \(f) record \(i)",
                              attributes: [Attribute("frame", .int(Int64(f)))])
                }
                frames.append(try appendInBatches(writer, batch, batches: 1))
            }
            try writer.sync()
            store = try copyStore(live, into: temp, name: "crashed")
            try writer.close()
            let names = walNames(store)
            try #require(names.count == 1, "expected one WAL file, found \(names)")
            walName = names[0]
            walPath = store + "/wal/" + walName
            walBytes = try fileBytes(walPath)
            frameOffsets = walFrameOffsets(walBytes)
            try #require(frameOffsets.count == count, "one frame per append")
            self.frames = frames
            records = frames.flatMap { $0 }
        }
    }

    // MARK: Torn tails

    @Test(arguments: [1, 5, 9, 20])
    func tornTailIsCutAndEarlierRecordsSurvive(bytesIntoLastFrame: Int) throws {
        let fx = try Fixture()
        let cut = fx.frameOffsets.last! + bytesIntoLastFrame
        try truncateFile(fx.walPath, to: cut)

        // verify: a torn tail is a note, not a problem.
        let pre = try LogStore.verify(at: fx.store)
        #expect(pre.isClean, "\(pre.problems)")
        #expect(pre.notes.contains { $0.contains(fx.walName) && $0.contains("torn") })

        let store = try LogStore.open(at: fx.store, options: StoreOptions(durability: .sync))
        let report = store.recoveryReport
        #expect(report.tornTails.count == 1)
        #expect(report.tornTails.first?.file == "wal/" + fx.walName)
        #expect(report.tornTails.first?.bytes == bytesIntoLastFrame)
        #expect(report.walDamage.isEmpty)
        #expect(report.quarantined.isEmpty)
        #expect(report.isClean)
        let expected = Array(fx.records.dropLast(fx.frames.last!.count))
        expectSameRecords(try store.records(LogQuery()), reference(expected, LogQuery()), "after a torn tail")
        // Appends continue after the last surviving sequence... or after the torn one; never reuse a live one.
        let next = try store.append(LogRecord(timestamp: nowNanos(), level: .info, source: "wal", message: "after recovery"))
        #expect(next.firstSequence > expected.last!.sequence)
        try store.close()
        let post = try LogStore.verify(at: fx.store)
        #expect(post.isClean, "\(post.problems)")
        #expect(!listNames(fx.store).contains("quarantine") || listNames(fx.store + "/quarantine").isEmpty)
    }

    @Test func tornWALHeaderOfTheNewestFileIsNotDamage() throws {
        let fx = try Fixture(frames: 2)
        // A crash right after creating the next WAL file leaves a short header.
        let next = fx.store + "/wal/" + WALFormat.fileName(WALFormat.fileNumber(fx.walName)! + 1)
        try writeFileBytes(next, Array(WALHeader(fileNumber: 2, firstSequence: 11).encode().prefix(13)))
        let store = try LogStore.open(at: fx.store, options: StoreOptions(durability: .sync))
        defer { try? store.close() }
        #expect(store.recoveryReport.walDamage.isEmpty)
        #expect(store.recoveryReport.quarantined.isEmpty)
        expectSameRecords(try store.records(LogQuery()), reference(fx.records, LogQuery()), "records before the torn file")
    }

    @Test func readOnlyOpenDoesNotCutATornTail() throws {
        let fx = try Fixture()
        try truncateFile(fx.walPath, to: fx.frameOffsets.last! + 7)
        let before = try fileBytes(fx.walPath)
        var ro = StoreOptions()
        ro.readOnly = true
        let reader = try LogStore.open(at: fx.store, options: ro)
        #expect(try reader.count(LogQuery()) == fx.records.count - fx.frames.last!.count)
        try reader.close()
        #expect(try fileBytes(fx.walPath) == before)
    }

    // MARK: Damage in the middle

    @Test(arguments: [0, 3, 7])
    func flippedByteInMiddleFrameIsSalvagedQuarantinedAndReported(payloadByte: Int) throws {
        let fx = try Fixture()
        let damaged = 3
        let offset = fx.frameOffsets[damaged]
        try flipByte(fx.walPath, at: offset + WALFormat.frameHeaderSize + payloadByte)
        let damagedBytes = try fileBytes(fx.walPath)

        let pre = try LogStore.verify(at: fx.store)
        #expect(pre.problems.contains { $0.file == "wal/" + fx.walName && $0.offset == offset },
                "verify names the file and frame offset: \(pre.problems)")

        let store = try LogStore.open(at: fx.store, options: StoreOptions(durability: .sync))
        let report = store.recoveryReport
        #expect(!report.isClean)
        #expect(report.walDamage.count == 1)
        #expect(report.walDamage.first?.file == "wal/" + fx.walName)
        #expect(report.walDamage.first?.offset == offset)
        #expect(report.walDamage.first?.length == fx.frameOffsets[damaged + 1] - offset)
        #expect(report.quarantined == ["quarantine/" + fx.walName])
        #expect(try fileBytes(fx.store + "/quarantine/" + fx.walName) == damagedBytes, "the quarantined copy is the original")

        // Records before AND after the damaged frame are present; only the damaged frame is lost.
        let expected = fx.frames.enumerated().filter { $0.offset != damaged }.flatMap(\.element)
        expectSameRecords(try store.records(LogQuery()), reference(expected, LogQuery()), "salvaged records")
        #expect(try store.records(LogQuery(correlationID: "frame-\(damaged + 1)")).count == fx.frames[damaged + 1].count)
        let next = try store.append(LogRecord(timestamp: nowNanos(), level: .info, source: "wal", message: "after salvage"))
        #expect(next.firstSequence > fx.records.last!.sequence)
        try store.close()

        // The damage stays visible until an operator removes the quarantined copy.
        let post = try LogStore.verify(at: fx.store)
        #expect(post.problems.contains { $0.file == "quarantine/" + fx.walName })
        try FileManager.default.removeItem(atPath: fx.store + "/quarantine/" + fx.walName)
        #expect(try LogStore.verify(at: fx.store).isClean)

        // Reopening does not report the damage again, and the salvaged records persist.
        let reopened = try LogStore.open(at: fx.store, options: StoreOptions(durability: .sync))
        defer { try? reopened.close() }
        #expect(reopened.recoveryReport.isClean)
        #expect(try reopened.count(LogQuery()) == expected.count + 1)
    }

    @Test func refusePolicyThrowsCorruptionNamingTheOffsetAndChangesNothing() throws {
        let fx = try Fixture()
        let offset = fx.frameOffsets[4]
        try flipByte(fx.walPath, at: offset + 12)
        let before = try fileBytes(fx.walPath)
        var opts = StoreOptions(durability: .sync)
        opts.walDamagePolicy = .refuse
        let error = #expect(throws: LogStoreError.self) { try LogStore.open(at: fx.store, options: opts) }
        #expect(error?.kind == .corruption)
        #expect(error?.offset == offset)
        #expect(error?.path?.hasSuffix("wal/" + fx.walName) == true)
        #expect(try fileBytes(fx.walPath) == before)
        #expect(!fileExists(fx.store + "/quarantine/" + fx.walName))
        // The refused open released the lock: a salvaging open can proceed.
        let store = try LogStore.open(at: fx.store, options: StoreOptions(durability: .sync))
        defer { try? store.close() }
        #expect(store.recoveryReport.walDamage.first?.offset == offset)
    }

    @Test func damagedLastFrameFollowedByNothingValidIsATornTailNotDamage() throws {
        // A checksum mismatch in the last frame looks exactly like a write cut short.
        let fx = try Fixture()
        try flipByte(fx.walPath, at: fx.frameOffsets.last! + WALFormat.frameHeaderSize + 2)
        let store = try LogStore.open(at: fx.store, options: StoreOptions(durability: .sync))
        defer { try? store.close() }
        #expect(store.recoveryReport.walDamage.isEmpty)
        #expect(store.recoveryReport.tornTails.count == 1)
        #expect(try store.count(LogQuery()) == fx.records.count - fx.frames.last!.count)
    }

    @Test func damagedWALHeaderIsSalvagedAndReported() throws {
        let fx = try Fixture()
        try flipByte(fx.walPath, at: 14)  // file number, covered by the header checksum
        let store = try LogStore.open(at: fx.store, options: StoreOptions(durability: .sync))
        defer { try? store.close() }
        #expect(store.recoveryReport.walDamage.contains { $0.file == "wal/" + fx.walName })
        #expect(store.recoveryReport.quarantined == ["quarantine/" + fx.walName])
        expectSameRecords(try store.records(LogQuery()), reference(fx.records, LogQuery()), "frames after a bad header")
    }

    @Test func walFileOfUnknownVersionIsRefusedNotSalvaged() throws {
        // docs/FORMAT.md: "Readers check every version field and refuse a version they do not know
        // with an error that names the file, the version found and the versions supported."
        let fx = try Fixture()
        var bytes = fx.walBytes
        bytes[8] = 2
        bytes[9] = 0
        let crc = CRC32C.checksum(bytes, range: 0..<28)
        withUnsafeBytes(of: crc.littleEndian) { for i in 0..<4 { bytes[28 + i] = $0[i] } }
        try writeFileBytes(fx.walPath, bytes)
        do {
            let store = try LogStore.open(at: fx.store, options: StoreOptions(durability: .sync))
            Issue.record("a WAL file of version 2 was opened as version 1; report: \(store.recoveryReport.walDamage)")
            try store.close()
        } catch {
            #expect(error.kind == .unsupportedVersion)
            #expect(error.message.contains("version 2") && error.message.contains("version 1"))
            #expect(error.path?.hasSuffix(fx.walName) == true)
        }
        #expect(fileExists(fx.walPath) && (try? fileBytes(fx.walPath)) == bytes,
                "a newer file is never rewritten or deleted by an older reader")
    }
}
