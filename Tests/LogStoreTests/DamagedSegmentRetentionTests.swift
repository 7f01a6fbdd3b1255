import Testing
@testable import LogStore
import LogStoreFormat

/// Damage must never pin the disk (Prometheus' lesson): a segment that cannot be opened is left in
/// place for verify and salvage, but retention still removes it once its whole window has expired.
@Suite struct DamagedSegmentRetentionTests {
    @Test func unreadableSegmentIsRemovedOnceItsWindowExpires() throws {
        let dir = TempDir()
        let clock = TestClock(nowNanos())
        var opts = StoreOptions(durability: .none)
        opts.clock = clock.function
        opts.retention = .seconds(2 * 3_600)
        let records = (0..<50).map { i in
            LogRecord(timestamp: clock.now - 30 * nanosPerMinute + Int64(i) * nanosPerSecond, level: .info,
                      source: "s", message: "m\(i)")
        }
        let store = try LogStore.open(at: dir.path, options: opts)
        try store.append(records)
        try store.close()

        // Break the footer checksum of every segment (the trailer says where the footer starts).
        let names = segmentNames(dir.path)
        #expect(!names.isEmpty)
        for name in names {
            let path = dir.path + "/segments/" + name
            var bytes = try fileBytes(path)
            let trailer = bytes.count - SegmentFormat.trailerSize
            let footerOffset = bytes[trailer..<(trailer + 8)].reversed().reduce(0) { $0 << 8 | Int($1) }
            bytes[footerOffset + 1] ^= 0xFF
            try writeFileBytes(path, bytes)
        }

        let reopened = try LogStore.open(at: dir.path, options: opts)
        #expect(reopened.recoveryReport.unreadableSegments.count == names.count)
        // Within retention: kept for salvage.
        #expect(try reopened.expire().damagedSegmentsRemoved == 0)
        #expect(segmentNames(dir.path) == names)
        // Past retention for the whole window: removed, disk freed.
        clock.advance(by: .seconds(4 * 3_600))
        let report = try reopened.expire()
        #expect(report.damagedSegmentsRemoved == names.count)
        #expect(segmentNames(dir.path).isEmpty)
        try reopened.close()
        #expect(try LogStore.verify(at: dir.path).isClean)
    }
}
