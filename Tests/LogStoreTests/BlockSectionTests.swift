import Foundation
import Testing
@testable import LogStore
import LogStoreFormat

/// Format version 2 stores a block's columns in three sections (FORMAT.md 5.2): queries read and
/// decompress only the sections they need, and stores written by version 1 still open and answer.
@Suite struct BlockSectionTests {
    private func makeStore(_ dir: TempDir, n: Int = 6_000, version1: Bool = false) throws -> [LogRecord] {
        var records = makeRecords(n, seed: 11, lateFraction: 0)
        var opts = StoreOptions(durability: .none)
        opts.blockSize = 8192
        let store = try LogStore.open(at: dir.path, options: opts)
        let receipt = try store.append(records)
        for i in records.indices { records[i].sequence = receipt.firstSequence + UInt64(i) }
        try store.close()
        return records
    }

    private func sections(of store: String) throws -> (core: Int, messages: Int, attributes: Int, blocks: Int) {
        var total = (core: 0, messages: 0, attributes: 0, blocks: 0)
        for name in segmentNames(store) {
            let s = try openSegment(store, name)
            for b in try s.footer().blocks {
                #expect(b.isSectioned)
                total.core += Int(b.sections[0].rawLength)
                total.messages += Int(b.sections[1].rawLength)
                total.attributes += Int(b.sections[2].rawLength)
                total.blocks += 1
            }
        }
        return total
    }

    @Test func substringSearchWithoutMatchesNeverDecodesAttributes() throws {
        let dir = TempDir()
        let records = try makeStore(dir)
        let sizes = try sections(of: dir.path)
        var opts = StoreOptions()
        opts.readOnly = true
        let store = try LogStore.open(at: dir.path, options: opts)
        let it = try store.query(LogQuery(messageContains: "no message holds this text"))
        #expect(try it.next() == nil)
        #expect(it.statistics.blocksRead == sizes.blocks)
        #expect(it.statistics.bytesDecompressed == sizes.core + sizes.messages,
                "read \(it.statistics.bytesDecompressed) of core \(sizes.core) + messages \(sizes.messages) (attributes \(sizes.attributes))")
        #expect(try store.count(LogQuery(messageContains: "no message holds this text")) == 0)
        // A time-and-level-only query reads only the core section of the blocks it must decode.
        let sorted = records.sorted { QueryCursor($0) < QueryCursor($1) }
        let q = LogQuery(since: sorted[100].timestamp, until: sorted[200].timestamp, levels: [.error])
        let it2 = try store.query(q)
        var got: [LogRecord] = []
        while let r = try it2.next() { got.append(r) }
        expectSameRecords(got, reference(records, q), "error records in a window")
        try store.close()
    }

    @Test func countsOfTextReadOnlyTheMessagesSection() throws {
        let dir = TempDir()
        let records = try makeStore(dir)
        let sizes = try sections(of: dir.path)
        let io = ReadCountingIO()
        var opts = StoreOptions()
        opts.readOnly = true
        opts.io = io
        let store = try LogStore.open(at: dir.path, options: opts)
        let before = io.bytesRead
        let word = records[records.count / 2].message.split(separator: " ").first.map(String.init) ?? "a"
        let q = LogQuery(messageContains: word)
        #expect(try store.count(q) == reference(records, q).count)
        let stored = try segmentNames(dir.path).reduce(0) { n, name in
            try openSegment(dir.path, name).footer().blocks.reduce(n) { $0 + $1.storedLength }
        }
        let read = io.bytesRead - before
        // Headers, core and messages are read; the attributes section (the largest) never is.
        #expect(read < stored - sizes.attributes / 8, "read \(read) of \(stored) stored block bytes")
        // Case-insensitive and per-level counts agree with the reference too.
        let folded = LogQuery(messageContains: word.uppercased(), caseInsensitive: true)
        #expect(try store.count(folded) == reference(records, folded).count)
        #expect(try store.countByLevel(q) == referenceLevelCounts(records, q))
        try store.close()
    }

    /// Rewrites every segment of a closed store in the version 1 layout, record for record.
    private func downgradeToVersion1(_ store: String) throws {
        for name in segmentNames(store) {
            let path = store + "/segments/" + name
            let s = try openSegment(store, name)
            var records: [LogRecord] = []
            for i in try s.footer().blocks.indices {
                let block = try s.readBlock(i)
                for r in 0..<block.count { records.append(try block.record(r)) }
            }
            var header = s.header
            header.version = 1
            var encoder = SegmentEncoder(header: header, rawBlockTarget: 8192)
            var bytes = encoder.headerBytes()
            encoder.blocks(records[...]) { bytes += $0 }
            bytes += encoder.finish().bytes
            try writeFileBytes(path, bytes)
            #expect(try openSegment(store, name).header.version == 1)
        }
    }

    @Test func version1SegmentsStillOpenAnswerAndVerify() throws {
        let dir = TempDir()
        let records = try makeStore(dir)
        try downgradeToVersion1(dir.path)
        let names = segmentNames(dir.path)
        for name in names { #expect(try openSegment(dir.path, name).footer().blocks.allSatisfy { !$0.isSectioned }) }
        let report = try LogStore.verify(at: dir.path)
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.recordsChecked == records.count)

        // The writer opens the old store, answers from it, and adds segments of the current version beside it.
        let store = try LogStore.open(at: dir.path, options: StoreOptions(durability: .none))
        try checkRandomQueries(store, records: records, seed: 5, count: 60, phase: "version 1 segments")
        let more = makeRecords(2_000, seed: 12, lateFraction: 0)
        let added = try appendInBatches(store, more, batches: 4)
        try store.close()
        let mixed = try LogStore.open(at: dir.path, options: StoreOptions(durability: .none))
        let versions = Set(try segmentNames(dir.path).map { try openSegment(dir.path, $0).header.version })
        #expect(versions == [1, SegmentFormat.version])
        try checkRandomQueries(mixed, records: records + added, seed: 6, count: 60, phase: "version 1 and current segments")
        #expect(try mixed.count(LogQuery(messageContains: "e")) == reference(records + added, LogQuery(messageContains: "e")).count)
        try mixed.close()
        #expect(try LogStore.verify(at: dir.path).problems.isEmpty)
    }

    @Test func damageInOneSectionNamesTheSectionAndTheFileOffset() throws {
        let dir = TempDir()
        _ = try makeStore(dir)
        let name = try #require(segmentNames(dir.path).first)
        let s = try openSegment(dir.path, name)
        let entry = try #require(s.footer().blocks.first)
        let at = Int(entry.offset) + entry.sectionOffset(.attributes) + Int(entry.sections[2].storedLength) / 2
        try flipByte(dir.path + "/segments/" + name, at: at)
        let damaged = try openSegment(dir.path, name)
        // Core and messages still read; the attributes section is refused with its place.
        let partial = try damaged.readBlock(0, sections: [.core, .messages])
        #expect(partial.count == Int(entry.recordCount))
        let error = #expect(throws: LogStoreError.self) { try damaged.readBlock(0) }
        #expect(error?.message.contains("attributes section checksum mismatch") == true, "\(String(describing: error))")
        #expect(error?.offset == Int(entry.offset) + entry.sectionOffset(.attributes))
        let report = try LogStore.verify(at: dir.path)
        #expect(report.problems.contains { $0.file == "segments/" + name && $0.reason.contains("attributes section") })
    }
}
