import Foundation
import Synchronization
import Testing
@testable import LogStore

/// A file-system seam that counts the bytes read through it.
struct CountingIO: StorageIO {
    let inner = PosixIO()
    let counter = Locked<Int>(0)
    var bytesRead: Int { counter.value }

    func open(_ path: String, flags: Int32, mode: mode_t) throws(LogStoreError) -> Int32 { try inner.open(path, flags: flags, mode: mode) }
    func close(_ fd: Int32) { inner.close(fd) }
    func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws(LogStoreError) { try inner.write(fd, buffer, path: path) }
    func pread(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String) throws(LogStoreError) -> Int {
        let n = try inner.pread(fd, into: buffer, at: offset, path: path)
        counter.update { $0 += n }
        return n
    }
    func fdatasync(_ fd: Int32, path: String) throws(LogStoreError) { try inner.fdatasync(fd, path: path) }
    func truncate(_ fd: Int32, length: Int64, path: String) throws(LogStoreError) { try inner.truncate(fd, length: length, path: path) }
    func fileSize(_ fd: Int32, path: String) throws(LogStoreError) -> Int64 { try inner.fileSize(fd, path: path) }
    func fsyncDirectory(_ path: String) throws(LogStoreError) { try inner.fsyncDirectory(path) }
    func rename(_ from: String, _ to: String) throws(LogStoreError) { try inner.rename(from, to) }
    func unlink(_ path: String) throws(LogStoreError) { try inner.unlink(path) }
    func makeDirectory(_ path: String) throws(LogStoreError) { try inner.makeDirectory(path) }
    func listDirectory(_ path: String) throws(LogStoreError) -> [String] { try inner.listDirectory(path) }
    func exists(_ path: String) -> Bool { inner.exists(path) }
}

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
        let io = CountingIO()
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
