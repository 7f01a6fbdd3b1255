import Foundation
import Synchronization
import Testing
@testable import LogStore

@Suite struct BlockSkippingTests {
    /// Builds a closed store of `n` records in small blocks and returns its records (with sequences).
    private func makeStore(_ dir: TempDir, n: Int = 20_000) throws -> [LogRecord] {
        var records = makeRecords(n, seed: 7, lateFraction: 0)
        var opts = StoreOptions(durability: .none)
        opts.blockSize = 4096
        let store = try LogStore.open(at: dir.path, options: opts)
        let receipt = try store.append(records)
        for i in records.indices { records[i].sequence = receipt.firstSequence + UInt64(i) }
        try store.close()
        return records
    }

    @Test func openReadsFootersNotBlocks() throws {
        let dir = TempDir()
        _ = try makeStore(dir)
        let segmentBytes = segmentNames(dir.path).reduce(0) { $0 + ((try? fileBytes(dir.path + "/segments/" + $1).count) ?? 0) }
        let io = ReadCountingIO()
        var opts = StoreOptions()
        opts.readOnly = true
        opts.io = io
        let store = try LogStore.open(at: dir.path, options: opts)
        let read = io.bytesRead
        #expect(store.statistics.segmentRecords == 20_000)
        // Headers, trailers and footers only: a small fraction of the segment bytes.
        #expect(read * 5 < segmentBytes, "open read \(read) of \(segmentBytes) segment bytes")
        try store.close()
    }

    @Test func narrowTimeRangeReadsOnlyOverlappingBlocks() throws {
        let dir = TempDir()
        let records = try makeStore(dir)
        var opts = StoreOptions()
        opts.readOnly = true
        let store = try LogStore.open(at: dir.path, options: opts)
        let sorted = records.sorted { QueryCursor($0) < QueryCursor($1) }
        let from = sorted[10_000].timestamp
        let q = LogQuery(since: from, until: from + 1_000_000_000)
        let it = try store.query(q)
        var got: [LogRecord] = []
        while let r = try it.next() { got.append(r) }
        #expect(got.count == reference(records, q).count)
        let stats = it.statistics
        #expect(stats.blocksRead >= 1)
        #expect(stats.blocksRead <= 3, "a one-second window spans at most a few blocks, read \(stats.blocksRead)")
        #expect(stats.blocksSkipped + stats.blocksRead > 50)
        try store.close()
    }

    @Test func correlationLookupReadsOnlyIndexedBlocks() throws {
        let dir = TempDir()
        let records = try makeStore(dir)
        var opts = StoreOptions()
        opts.readOnly = true
        let store = try LogStore.open(at: dir.path, options: opts)
        let id = try #require(records[12_345].correlationID)
        let q = LogQuery(correlationID: id)
        let it = try store.query(q)
        var got: [LogRecord] = []
        while let r = try it.next() { got.append(r) }
        let expected = reference(records, q)
        #expect(got.count == expected.count)
        // Only blocks listed under the ID's hash are read.
        let blocksHolding = Set(expected.map { r in r.timestamp }).count
        #expect(it.statistics.blocksRead <= blocksHolding + 1)
        #expect(it.statistics.blocksSkipped > 50)
        try store.close()
    }

    @Test func queryThatNoBlockCanMatchDecompressesNothing() throws {
        let dir = TempDir()
        _ = try makeStore(dir)
        var opts = StoreOptions()
        opts.readOnly = true
        let store = try LogStore.open(at: dir.path, options: opts)
        let it = try store.query(LogQuery(sources: ["no-such-source"]))
        #expect(try it.next() == nil)
        #expect(it.statistics.blocksRead == 0)
        #expect(it.statistics.bytesDecompressed == 0)
        try store.close()
    }
}
