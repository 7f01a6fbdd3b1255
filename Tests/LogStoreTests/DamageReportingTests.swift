import Foundation
import Testing
@testable import LogStore
import LogStoreFormat

/// Damage is reported, never skipped (issue 11): a follower or subscription that meets stored
/// records it cannot read tells its consumer where (file, offset), counts it, and still delivers
/// every readable record. Each test fails on the code before issue 11, which dropped them with `try?`.
@Suite struct DamageReportingTests {
    static func records(_ n: Int, tag: String) -> [LogRecord] {
        let base = nowNanos() - 60_000_000_000
        return (0..<n).map {
            LogRecord(timestamp: base + Int64($0) * 1_000, level: .info, source: tag, correlationID: nil,
                      message: "\(tag) record \($0)", attributes: [Attribute("i", .int(Int64($0)))])
        }
    }

    /// Five appends of 20 records: one WAL frame each, sequences 1…100.
    static func writeFiveFrames(_ store: LogStore) throws -> [LogRecord] {
        var stored: [LogRecord] = []
        for part in 0..<5 { stored += try appendInBatches(store, records(20, tag: "part\(part)"), batches: 1) }
        return stored
    }

    /// The byte of a records frame's first row that holds its level (docs/FORMAT.md 4.2: frame header,
    /// then first sequence and count, then rows starting with an 8-byte timestamp).
    static func levelByteOfFirstRow(frameAt offset: Int) -> Int { offset + WALFormat.frameHeaderSize + 12 + 8 }

    // MARK: LogStore.follow

    @Test func followerReportsADamagedWALFrameWithFileOffsetAndCountAndDeliversTheRest() async throws {
        let tmp = TempDir()
        let original = tmp.file("original")
        var options = StoreOptions(durability: .sync)
        options.headFlushBytes = 64 << 20
        let writer = try LogStore.open(at: original, options: options)
        let stored = try Self.writeFiveFrames(writer)
        // What a crash leaves: the WAL file with five frames and no writer. Then frame 3 is damaged.
        let copy = try copyStore(original, into: tmp)
        try writer.close()
        let walName = try #require(walNames(copy).first)
        let walPath = copy + "/wal/" + walName
        let frames = walFrameOffsets(try fileBytes(walPath))
        try #require(frames.count == 5)
        try flipByte(walPath, at: Self.levelByteOfFirstRow(frameAt: frames[2]), mask: 0xE0)

        let follower = try LogStore.follow(directory: copy, after: 0)
        let collector = FollowTests.Collector(follower)
        // Frames 1 and 2 are read at once; what follows the damage is decided once a writer moves on.
        #expect(await waitUntil { collector.records.count >= 40 })
        // A writer restarts on the damaged store (it quarantines the file and writes a new one): the
        // follower now knows the damage is final.
        let restarted = try LogStore.open(at: copy, options: options)
        defer { try? restarted.close() }
        #expect(await waitUntil { collector.records.count >= 80 && !collector.damage.isEmpty })
        follower.cancel()

        let expected = stored.filter { !(41...60).contains($0.sequence) }
        FollowTests.expectSequences(collector.records, expected, "every readable record")
        expectSameRecords(collector.records, expected, "records around the damage")
        #expect(collector.damage.count == 1)
        let damage = try #require(collector.damage.first)
        #expect(damage.file == "wal/" + walName)
        #expect(damage.offset == frames[2])
        #expect(damage.records == 20, "the damaged frame held sequences 41…60")
        #expect(follower.damageCount == 1)
        #expect(collector.error == nil)
    }

    @Test func followerReportsADamagedSegmentBlockAndDeliversTheOtherBlocks() async throws {
        let dir = TempDir()
        var options = StoreOptions(durability: .sync)
        options.blockSize = 2048
        let writer = try LogStore.open(at: dir.path, options: options)
        let stored = try appendInBatches(writer, Self.records(400, tag: "seg"), batches: 4)
        try writer.close()   // flushes everything into segments; no WAL file is left
        let segmentName = try #require(segmentNames(dir.path).first)
        let segment = try openSegment(dir.path, segmentName)
        let blocks = try segment.footer().blocks
        try #require(blocks.count >= 3, "the test needs several blocks, got \(blocks.count)")
        let bad = blocks[1]
        try flipByte(dir.path + "/segments/" + segmentName, at: Int(bad.offset) + bad.diskLength / 2)

        let follower = try LogStore.follow(directory: dir.path, after: 0)
        let collector = FollowTests.Collector(follower)
        let readable = stored.count - Int(bad.recordCount)
        #expect(await waitUntil { collector.records.count >= readable && !collector.damage.isEmpty })
        follower.cancel()

        let expected = stored.filter { !(bad.minSequence...bad.maxSequence).contains($0.sequence) }
        FollowTests.expectSequences(collector.records, expected, "every record of the readable blocks")
        #expect(collector.damage.count == 1)
        let damage = try #require(collector.damage.first)
        #expect(damage.file == "segments/" + segmentName)
        #expect(damage.offset == Int(bad.offset))
        #expect(damage.records == Int(bad.recordCount))
        #expect(follower.damageCount == 1)
    }

    // MARK: subscriptions

    @Test func subscriptionReportsARowThatDoesNotDecodeAndDeliversTheRest() async throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: StoreOptions(durability: .sync))
        defer { try? store.close() }
        let stored = try Self.writeFiveFrames(store)
        // The five appends' frames as the committer wrote them, with frame 3's first row damaged,
        // handed to the store's own subscription hub as the committer hands it an acknowledged append.
        let walName = try #require(walNames(dir.path).first)
        var bytes = try fileBytes(dir.path + "/wal/" + walName)
        let frames = walFrameOffsets(bytes)
        try #require(frames.count == 5)
        bytes[Self.levelByteOfFirstRow(frameAt: frames[2])] = 0xEE   // no such level
        let appended = Array(bytes[WALFormat.headerSize...])

        let subscription = try store.subscribe()
        let events = LockedState<[LogSubscription.Event]>([])
        let reader = Task {
            for await event in subscription { events.withLock { $0.append(event) } }
        }
        let hub = try #require(store.committer?.subscriptions)
        hub.publish([RowBatch(copying: appended)], walFile: "wal/" + walName)
        func received() -> (records: [LogRecord], damage: [DamageReport]) {
            events.withLock { all in
                (all.compactMap { if case .record(let r) = $0 { r } else { nil } },
                 all.compactMap { if case .damaged(let d) = $0 { d } else { nil } })
            }
        }
        #expect(await waitUntil { received().records.count >= 80 && !received().damage.isEmpty })
        subscription.cancel()
        await reader.value

        let (records, damage) = received()
        let expected = stored.filter { !(41...60).contains($0.sequence) }
        FollowTests.expectSequences(records, expected, "every readable record of the append")
        expectSameRecords(records, expected, "records around the damaged frame")
        #expect(damage.count == 1)
        let report = try #require(damage.first)
        #expect(report.file == "wal/" + walName)
        #expect(report.offset == frames[2] - WALFormat.headerSize, "the frame's byte within the append")
        #expect(report.reason.contains("level"), "\(report.reason)")
        #expect(subscription.damageCount == 1)
    }
}
