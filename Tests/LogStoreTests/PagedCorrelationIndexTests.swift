import Foundation
import Testing
@testable import LogStore
import LogStoreFormat

/// Segment versions 4 and 5 keep the correlation index in checksummed pages outside the footer
/// (FORMAT.md 5.6): opening reads the small fence only, a lookup reads the pages that may hold its
/// hash, damage to a page is reported, and stores of versions 2 and 3 still open and answer.
@Suite struct PagedCorrelationIndexTests {
    /// 8 KiB blocks, no background compaction (the tests compact when they mean to).
    private var options: StoreOptions {
        var o = StoreOptions(durability: .none)
        o.blockSize = 8192
        o.compactInBackground = false
        return o
    }

    /// `n` records inside one hour three days ago (one segment window, old enough to compact).
    private func oldHour(_ n: Int, seed: UInt64) -> [LogRecord] {
        let hour = (nowNanos() - 3 * 24 * nanosPerHour) / nanosPerHour * nanosPerHour
        return makeRecords(n, seed: seed, base: hour + 60_000_000_000, spread: 50 * 60_000_000_000, lateFraction: 0)
    }

    /// A flushed store of `n` records; returns the records with their sequence numbers.
    private func makeStore(_ path: String, n: Int = 8_000, seed: UInt64 = 21) throws -> [LogRecord] {
        let store = try LogStore.open(at: path, options: options)
        let stored = try appendInBatches(store, oldHour(n, seed: seed), batches: 3)
        try store.close()
        return stored
    }

    private func distinctIDs(_ records: [LogRecord]) -> [String] {
        Array(Set(records.compactMap(\.correlationID))).sorted()
    }

    /// Every distinct ID answers exactly its records, in order.
    private func checkEveryID(_ store: LogStore, _ records: [LogRecord], _ phase: String) throws {
        for id in distinctIDs(records) {
            let q = LogQuery(correlationID: id)
            expectSameRecords(try store.records(q), reference(records, q), "\(phase): \(id)")
        }
    }

    @Test func flushedAndCompactedSegmentsKeepTheirIndexInPagesAndAnswerEveryID() throws {
        let dir = TempDir()
        let records = try makeStore(dir.path)
        var pages = 0
        for name in segmentNames(dir.path) {
            let s = try openSegment(dir.path, name)
            #expect(s.header.version == SegmentFormat.version && SegmentFormat.version == 4)
            let fence = try #require(s.footer().correlationFence)
            #expect(try s.footer().correlationHashes.isEmpty, "the pairs are not in the footer")
            pages += fence.pages.count
            // Opening read about 14 bytes per page of 512 pairs, not 12 bytes per pair.
            let footerBytes = Int(s.fileSize) - SegmentFormat.trailerSize - Int(fence.end)
            #expect(footerBytes < 64 + (try s.footer()).blocks.count * 120 + fence.pages.count * 16 + s.summary.sources.count * 32)
            #expect(try s.correlationPairs().count == fence.pairCount)
        }
        #expect(pages >= 3, "enough pairs for several pages (\(pages))")
        let store = try LogStore.open(at: dir.path, options: options)
        try checkEveryID(store, records, "flushed")
        #expect(try store.records(LogQuery(correlationID: "no-such-id")).isEmpty)
        _ = try store.compact()
        try store.close()
        let compacted = compactedSegmentNames(dir.path)
        #expect(!compacted.isEmpty)
        for name in compacted {
            let s = try openSegment(dir.path, name)
            #expect(s.header.version == SegmentFormat.compactedVersion && SegmentFormat.compactedVersion == 5)
            #expect(try s.footer().correlationFence != nil && !s.summary.replaces.isEmpty)
        }
        let reopened = try LogStore.open(at: dir.path, options: options)
        try checkEveryID(reopened, records, "compacted")
        try reopened.close()
        let report = try LogStore.verify(at: dir.path)
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.recordsChecked == records.count)
    }

    /// Rewrites every segment of `store` in segment format `version` (2 for flushed, 3 for compacted
    /// ones), as builds before FORMAT.md version 8 wrote them.
    private func rewriteInOldVersion(_ store: String) throws {
        for name in segmentNames(store) {
            let s = try openSegment(store, name)
            var records: [LogRecord] = []
            for i in try s.footer().blocks.indices {
                let block = try s.readBlock(i)
                for r in 0..<block.count { records.append(try block.record(r)) }
            }
            var header = s.header
            header.version = s.isCompacted ? 3 : 2
            var encoder = SegmentEncoder(header: header, rawBlockTarget: 8192)
            encoder.replaces = s.summary.replaces
            var bytes = encoder.headerBytes()
            encoder.blocks(records[...]) { bytes += $0 }
            bytes += encoder.finish().bytes
            try writeFileBytes(store + "/segments/" + name, bytes)
        }
    }

    @Test func storesOfSegmentVersions2And3StillOpenAnswerAndVerify() throws {
        let dir = TempDir()
        var records = try makeStore(dir.path, n: 4_000)
        // One compacted segment (version 3 after the rewrite) beside flushed ones (version 2).
        let store = try LogStore.open(at: dir.path, options: options)
        _ = try store.compact()
        records += try appendInBatches(store, oldHour(1_500, seed: 22), batches: 2)
        try store.close()
        try rewriteInOldVersion(dir.path)
        let old = Set(try segmentNames(dir.path).map { try openSegment(dir.path, $0).header.version })
        #expect(old == [2, 3])
        #expect(try LogStore.verify(at: dir.path).problems.isEmpty)

        let writer = try LogStore.open(at: dir.path, options: options)
        try checkEveryID(writer, records, "versions 2 and 3")
        records += try appendInBatches(writer, oldHour(1_000, seed: 23), batches: 2)
        try writer.close()
        let mixed = Set(try segmentNames(dir.path).map { try openSegment(dir.path, $0).header.version })
        #expect(mixed == [2, 3, 4])
        let reader = try LogStore.open(at: dir.path, options: options)
        try checkEveryID(reader, records, "versions 2, 3 and 4")
        try reader.close()
        #expect(try LogStore.verify(at: dir.path).problems.isEmpty)
    }

    @Test func aDamagedPageIsReportedByTheLookupThatReadsItAndByVerify() throws {
        let dir = TempDir()
        let records = try makeStore(dir.path, n: 12_000)
        // The segment with the most pages; damage one byte in the middle of its second page.
        let named = try segmentNames(dir.path).map { ($0, try openSegment(dir.path, $0)) }
        let pageCounts = try named.map { try $0.1.footer().correlationFence?.pages.count ?? 0 }
        let (name, segment) = try #require(zip(named, pageCounts).max { $0.1 < $1.1 }?.0)
        let fence = try #require(segment.footer().correlationFence)
        try #require(fence.pages.count >= 3)
        let page = fence.pages[1]
        let pairs = try segment.correlationPairs()
        let onPage = Set(pairs[fence.pages[0].count..<(fence.pages[0].count + page.count)].map(\.hash))
        let elsewhere = Set(pairs.map(\.hash)).subtracting(onPage).subtracting([fence.pages[2].firstHash, page.firstHash])
        let damagedAt = Int(page.offset) + page.length / 2
        try flipByte(dir.path + "/segments/" + name, at: damagedAt)

        let store = try LogStore.open(at: dir.path, options: options)
        defer { try? store.close() }
        let ids = distinctIDs(records)
        let hit = try #require(ids.first { onPage.contains(CorrelationHash.hash($0)) })
        do {
            _ = try store.records(LogQuery(correlationID: hit))
            Issue.record("a lookup through a damaged page answered")
        } catch {
            #expect(error.kind == .corruption)
            #expect(error.path?.hasSuffix(name) == true, "\(error)")
            #expect(error.message.contains("correlation page 1"), "\(error)")
        }
        // Lookups that need only other pages still answer exactly.
        for id in ids.filter({ elsewhere.contains(CorrelationHash.hash($0)) }).prefix(40) {
            let q = LogQuery(correlationID: id)
            expectSameRecords(try store.records(q), reference(records, q), id)
        }
        let report = try LogStore.verify(at: dir.path)
        let problem = try #require(report.problems.first { $0.file == "segments/" + name })
        #expect(problem.reason.contains("correlation page 1"))
        #expect(problem.offset >= Int(page.offset) && problem.offset < Int(page.offset) + page.length)
    }
}
