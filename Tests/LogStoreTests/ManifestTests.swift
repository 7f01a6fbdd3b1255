import Foundation
import Testing
@testable import LogStore
import LogStoreFormat

/// The store manifest (docs/FORMAT.md, section 11): bounded open, lookups that skip segments, and a
/// manifest that is never trusted blindly.
@Suite struct ManifestTests {
    /// A closed store of `n` records over 3,000 s in 10-second segments (about 300 segment files).
    private func manySegmentStore(_ dir: TempDir, n: Int = 3_000) throws -> [LogRecord] {
        var opts = StoreOptions(durability: .none)
        opts.segmentSpan = .seconds(10)
        opts.compactInBackground = false
        let store = try LogStore.open(at: dir.path, options: opts)
        let records = try appendInBatches(store, makeRecords(n, seed: 14, lateFraction: 0), batches: 1)
        try store.close()
        return records
    }

    private func readOnly(_ path: String, io: any StorageIO = PosixIO()) throws -> LogStore {
        var o = StoreOptions()
        o.readOnly = true
        o.io = io
        return try LogStore.open(at: path, options: o)
    }

    private var manifestPath: (String) -> String { { $0 + "/" + ManifestFile.fileName } }

    @Test func encodingRoundTripsAndTheFilterHasNoFalseNegatives() throws {
        var rng = SeededRandom(seed: 3)
        let members = (0..<5_000).map { _ in rng.next() }
        let filter = CorrelationFilter(hashes: members)
        #expect(filter.byteCount == (5_000 * CorrelationFilter.bitsPerHash + 63) / 64 * 8)
        #expect(members.allSatisfy(filter.mayContain), "a filter must never rule out a member")
        let others = (0..<100_000).map { _ in rng.next() }
        let falsePositives = others.filter(filter.mayContain).count
        // 10 bits and 7 probes per hash: about 0.82 %.
        #expect(falsePositives > 300 && falsePositives < 1_300, "false positives: \(falsePositives) of 100,000")
        #expect(!CorrelationFilter(hashes: [UInt64]()).mayContain(42), "an empty segment rules out every hash")

        let header = SegmentHeader(segmentID: 9, flushID: 4, groupSize: 1, groupIndex: 0, windowStart: 0, windowSpan: 3_600_000_000_000,
                                   createdAt: 1, version: SegmentFormat.compactedVersion)
        let entry = ManifestFile.Entry(header: header, fileSize: 4096, modifiedAt: 1_700_000_000_123_456_789,
                                       summary: SegmentSummary(minTimestamp: 5, maxTimestamp: 7, minSequence: 1, maxSequence: 3, recordCount: 3,
                                                               blockCount: 1, rawBytes: 300, levelCounts: [0, 0, 2, 1, 0, 0, 0],
                                                               sources: ["api", "db"], replaces: [2, 5]),
                                       filter: filter)
        let bytes = ManifestFile.encode([entry])
        #expect(try bytes.withUnsafeBytes { try ManifestFile.decode($0) } == [entry])
        // An entry naming one source twice (a version 1 manifest can say so) round-trips through version 2:
        // its ids repeat, so an entry may hold more ids than the dictionary has names (FuzzManifest found
        // the decoder refusing that; Fuzz/regressions/FuzzManifest).
        var repeated = entry
        repeated.summary.sources = ["api", "api"]
        #expect(try ManifestFile.encode([repeated]).withUnsafeBytes { try ManifestFile.decode($0) } == [repeated])
        var damaged = bytes
        damaged[damaged.count / 2] ^= 0x10
        #expect(throws: FormatError.self) { try damaged.withUnsafeBytes { try ManifestFile.decode($0) } }
    }

    @Test func openReadsTheManifestAndNoSegmentFile() throws {
        let dir = TempDir()
        let records = try manySegmentStore(dir)
        let segments = segmentNames(dir.path)
        try #require(segments.count >= 250)
        #expect(try manifestEntries(dir.path).count == segments.count, "the writer keeps the manifest in step")

        let io = ReadCountingIO()
        let store = try readOnly(dir.path, io: io)
        #expect(io.segmentFilesRead.isEmpty, "open read \(io.segmentFilesRead.count) segment files")
        let read = io.bytesByPath.values.reduce(0, +)
        let manifestBytes = try fileBytes(manifestPath(dir.path)).count
        #expect(read <= manifestBytes + 4096, "open read \(read) bytes, the manifest is \(manifestBytes)")
        #expect(store.recoveryReport.manifest.isCurrent)
        #expect(store.recoveryReport.manifest.segmentsDescribed == segments.count)
        // A whole-store count and a count by level come from the manifest's summaries alone.
        io.reset()
        #expect(try store.count(LogQuery()) == records.count)
        var byLevel: [LogLevel: Int] = [:]
        for r in records { byLevel[r.level, default: 0] += 1 }
        #expect(try store.countByLevel(LogQuery()) == byLevel)
        #expect(try store.count(LogQuery(levels: [.error, .warning])) == records.filter { $0.level == .error || $0.level == .warning }.count)
        #expect(io.segmentFilesRead.isEmpty, "count read \(io.segmentFilesRead.count) segment files")
        expectSameRecords(try store.records(LogQuery()), records, "records through a described store")
        try store.close()

        // Without the manifest the same open reads every footer.
        try FileManager.default.removeItem(atPath: manifestPath(dir.path))
        io.reset()
        let old = try readOnly(dir.path, io: io)
        #expect(io.segmentFilesRead.count == segments.count)
        #expect(old.recoveryReport.manifest.footersRead == segments.count && !old.recoveryReport.manifest.found)
        try old.close()
    }

    /// Open with a manifest reads the manifest and nothing of the segments: a fixed amount per segment
    /// plus its correlation filter, however many and however long the sources each segment names (a
    /// store-level dictionary holds each name once, FORMAT.md 11.1), and several times fewer bytes than
    /// the footers it replaces.
    @Test func openReadsABoundedAmountPerSegment() throws {
        let dir = TempDir()
        var opts = StoreOptions(durability: .none)
        opts.segmentSpan = .seconds(10)
        opts.compactInBackground = false
        let store = try LogStore.open(at: dir.path, options: opts)
        // 40 sources with 120-byte names: each segment of about 10 records names about 10 of them.
        var records = makeRecords(3_000, seed: 21, lateFraction: 0)
        for i in records.indices { records[i].source = String(repeating: "service-", count: 15) + "\(i % 40)" }
        _ = try appendInBatches(store, records, batches: 1)
        try store.close()
        let segmentCount = segmentNames(dir.path).count
        try #require(segmentCount >= 250)

        let entries = try manifestEntries(dir.path)
        #expect(entries.count == segmentCount)
        let filterBytes = entries.reduce(0) { $0 + $1.filter.byteCount }
        let dictionaryBytes = Set(entries.flatMap(\.summary.sources)).reduce(0) { $0 + 1 + $1.utf8.count }
        let sourceIDs = entries.reduce(0) { $0 + $1.summary.sources.count }

        let io = ReadCountingIO()
        let reader = try readOnly(dir.path, io: io)
        let withManifest = io.bytesRead
        #expect(io.segmentFilesRead.isEmpty)
        #expect(reader.recoveryReport.manifest.segmentsDescribed == segmentCount)
        #expect(reader.recoveryReport.manifest.version == ManifestFile.version)
        try reader.close()
        let manifestBytes = try fileBytes(manifestPath(dir.path)).count
        // Besides the manifest, open reads the settings and the (empty) WAL: a few KiB at most.
        #expect(withManifest <= manifestBytes + 4096, "open read \(withManifest) bytes, the manifest is \(manifestBytes)")
        // The manifest: the dictionary once, then per segment a fixed entry (header 64, size and time 16,
        // ranges and count 40; block count, raw bytes, 7 level counts, source, replaced and word counts and
        // probes as small varints), one id byte per source it names (40 sources) and its filter.
        let fixedPerEntry = 64 + 16 + 40 + 2 + 4 + 7 * 2 + 1 + 1 + 2 + 1
        let bound = ManifestFile.headerSize + 4 + dictionaryBytes + segmentCount * fixedPerEntry + sourceIDs + filterBytes
        #expect(manifestBytes <= bound, "manifest \(manifestBytes) bytes, bound \(bound) for \(segmentCount) segments")

        // The same open without the manifest reads every footer: the source names of every segment again.
        try FileManager.default.removeItem(atPath: manifestPath(dir.path))
        io.reset()
        let old = try readOnly(dir.path, io: io)
        let withoutManifest = io.bytesRead
        #expect(io.segmentFilesRead.count == segmentCount)
        try old.close()
        #expect(withManifest * 3 < withoutManifest, "open read \(withManifest) bytes with the manifest, \(withoutManifest) without")
    }

    /// A version 1 manifest (source names in every entry) is still read, and a writer's open rewrites it in this build's version.
    @Test func aVersionOneManifestIsReadAndRewritten() throws {
        let dir = TempDir()
        let records = try manySegmentStore(dir, n: 600)
        let entries = try manifestEntries(dir.path)
        try Data(ManifestFile.encode(entries, version: ManifestFile.firstVersion)).write(to: URL(fileURLWithPath: manifestPath(dir.path)))

        let io = ReadCountingIO()
        let reader = try readOnly(dir.path, io: io)
        #expect(reader.recoveryReport.manifest.version == ManifestFile.firstVersion)
        #expect(reader.recoveryReport.manifest.isCurrent && reader.recoveryReport.manifest.isOutdated)
        #expect(io.segmentFilesRead.isEmpty, "a version 1 manifest describes the segments as well")
        expectSameRecords(try reader.records(LogQuery()), records, "read through a version 1 manifest")
        try reader.close()

        var opts = StoreOptions(durability: .none)
        opts.compactInBackground = false
        let writer = try LogStore.open(at: dir.path, options: opts)
        #expect(writer.recoveryReport.manifestRewritten)
        try writer.close()
        let rewritten = try fileBytes(manifestPath(dir.path))
        let contents = try rewritten.withUnsafeBytes { try ManifestFile.decodeFile($0) }
        #expect(contents.version == ManifestFile.version && contents.entries == entries)
    }

    @Test func correlationLookupOpensOnlySegmentsWhoseFilterMatches() throws {
        let dir = TempDir()
        let records = try manySegmentStore(dir)
        let segmentCount = segmentNames(dir.path).count
        let io = ReadCountingIO()
        let store = try readOnly(dir.path, io: io)
        var ids = Array(Set(records.compactMap(\.correlationID))).sorted()
        ids = Array(ids.prefix(20))
        var worst = 0
        for id in ids {
            io.reset()
            let q = LogQuery(correlationID: id)
            expectSameRecords(try store.records(q), reference(records, q), "lookup \(id)")
            let holding = Set(try store.records(q).map { $0.sequence }).count > 0
            #expect(holding)
            // Segments that really hold the ID, from the records and the segment span.
            let windows = Set(records.filter { $0.correlationID == id }.map { $0.timestamp / 10_000_000_000 })
            let extra = io.segmentFilesRead.count - windows.count
            worst = max(worst, extra)
            #expect(io.segmentFilesRead.count <= windows.count + 6,
                    "\(id): read \(io.segmentFilesRead.count) of \(segmentCount) segments, \(windows.count) hold it")
        }
        // An ID no record holds reads (almost) nothing.
        io.reset()
        #expect(try store.records(LogQuery(correlationID: "no-such-id")).isEmpty)
        #expect(io.segmentFilesRead.count <= 6, "a missing ID read \(io.segmentFilesRead.count) of \(segmentCount) segments")
        try store.close()

        // Without the manifest every segment is opened for the same lookup (what this change removes).
        try FileManager.default.removeItem(atPath: manifestPath(dir.path))
        let old = try readOnly(dir.path, io: io)
        io.reset()
        _ = try old.records(LogQuery(correlationID: "no-such-id"))
        // (a segment whose index pages cannot hold the hash is ruled out by its fence alone)
        #expect(io.segmentFilesRead.count >= segmentCount * 9 / 10, "read \(io.segmentFilesRead.count) of \(segmentCount)")
        try old.close()
    }

    @Test func aDamagedManifestIsReportedIgnoredAndRebuilt() throws {
        let dir = TempDir()
        let records = try manySegmentStore(dir, n: 600)
        var bytes = try fileBytes(manifestPath(dir.path))
        bytes[bytes.count - 9] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: manifestPath(dir.path)))

        let reader = try readOnly(dir.path)
        #expect(reader.recoveryReport.manifest.problem != nil)
        #expect(reader.recoveryReport.manifest.segmentsDescribed == 0)
        expectSameRecords(try reader.records(LogQuery()), records, "read-only open with a damaged manifest")
        try reader.close()
        #expect(try fileBytes(manifestPath(dir.path)) == bytes, "a reader changes nothing")
        let verify = try LogStore.verify(at: dir.path)
        #expect(verify.problems.contains { $0.file == ManifestFile.fileName }, "verify reports the damage: \(verify.problems)")

        let writer = try LogStore.open(at: dir.path, options: StoreOptions(durability: .none))
        #expect(writer.recoveryReport.manifestRewritten && writer.recoveryReport.manifest.problem != nil)
        expectSameRecords(try writer.records(LogQuery()), records, "writer open with a damaged manifest")
        try writer.close()
        #expect(try manifestEntries(dir.path).count == segmentNames(dir.path).count)
        #expect(try LogStore.verify(at: dir.path).isClean)
    }

    @Test func aStaleManifestIsTrustedOnlyForFilesThatMatch() throws {
        let dir = TempDir()
        var opts = StoreOptions(durability: .none)
        opts.segmentSpan = .seconds(10)
        opts.compactInBackground = false
        let base = nowNanos() - 3_600_000_000_000
        let first = makeRecords(300, seed: 1, base: base, spread: 300_000_000_000, lateFraction: 0)
        let second = makeRecords(300, seed: 2, base: base + 400_000_000_000, spread: 300_000_000_000, lateFraction: 0)
        var store = try LogStore.open(at: dir.path, options: opts)
        var expected = try appendInBatches(store, first, batches: 1)
        try store.close()
        let oldManifest = try fileBytes(manifestPath(dir.path))
        store = try LogStore.open(at: dir.path, options: opts)
        expected += try appendInBatches(store, second, batches: 1)
        try store.close()
        // A crash after the second flush but before its manifest rewrite leaves the old manifest.
        try Data(oldManifest).write(to: URL(fileURLWithPath: manifestPath(dir.path)))

        let described = try manifestEntries(dir.path).count
        let reader = try readOnly(dir.path)
        let m = reader.recoveryReport.manifest
        #expect(m.found && m.segmentsDescribed == described && m.footersRead == segmentNames(dir.path).count - described && !m.isCurrent)
        expectSameRecords(try reader.records(LogQuery()), expected, "read-only open with a stale manifest")
        for id in Set(second.compactMap(\.correlationID)).prefix(5) {
            let q = LogQuery(correlationID: id)
            expectSameRecords(try reader.records(q), reference(expected, q), "lookup \(id) in segments the manifest does not describe")
        }
        try reader.close()
        let verify = try LogStore.verify(at: dir.path)
        #expect(verify.isClean, "a stale manifest is not a problem: \(verify.problems)")

        store = try LogStore.open(at: dir.path, options: opts)
        #expect(store.recoveryReport.manifestRewritten)
        try store.close()
        #expect(try manifestEntries(dir.path).count == segmentNames(dir.path).count)
    }

    @Test func aManifestThatDisagreesWithItsSegmentIsCaughtWhenTheFooterIsRead() throws {
        let dir = TempDir()
        let records = try manySegmentStore(dir, n: 600)
        // Same id, size and time, another newest timestamp: the entry lies about the file.
        var entries = try manifestEntries(dir.path)
        let victim = try #require(entries.firstIndex { $0.summary.maxTimestamp > $0.summary.minTimestamp })
        entries[victim].summary.maxTimestamp -= 1
        try Data(ManifestFile.encode(entries)).write(to: URL(fileURLWithPath: manifestPath(dir.path)))
        let reader = try readOnly(dir.path)
        #expect(throws: LogStoreError.self) { _ = try reader.records(LogQuery()) }
        try reader.close()
        let verify = try LogStore.verify(at: dir.path)
        #expect(verify.problems.contains { $0.file == ManifestFile.fileName }, "verify names the manifest: \(verify.problems)")
        _ = records
    }
}
