import Testing
@testable import LogStore

@Suite struct StoreRoundTripTests {
    @Test func appendedRecordsComeBackInOrderAfterReopen() throws {
        let dir = TempDir()
        var records = makeRecords(5_000, seed: 1)
        var opts = StoreOptions(durability: .batch)
        opts.blockSize = 4096
        do {
            let store = try LogStore.open(at: dir.path, options: opts)
            let receipt = try store.append(records)
            #expect(receipt.accepted == records.count)
            #expect(receipt.firstSequence == 1)
            for i in records.indices { records[i].sequence = UInt64(i + 1) }
            // Before any flush: answered from the head.
            let all = try store.records(LogQuery())
            #expect(all.count == records.count)
            #expect(zip(all, reference(records, LogQuery())).allSatisfy { $0.isIdentical(to: $1) })
            try store.close()
        }
        // close() returns only after the flushed head's WAL files are gone.
        #expect(walFilesWithFrames(dir.path).isEmpty, "WAL files with frames left after close: \(walFilesWithFrames(dir.path))")
        let reopened = try LogStore.open(at: dir.path, options: opts)
        defer { try? reopened.close() }
        #expect(reopened.statistics.segmentCount > 0)
        let all = try reopened.records(LogQuery())
        #expect(all.count == records.count)
        #expect(zip(all, reference(records, LogQuery())).allSatisfy { $0.isIdentical(to: $1) })
    }
}
