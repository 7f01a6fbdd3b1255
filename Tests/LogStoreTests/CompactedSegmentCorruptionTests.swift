import Foundation
import Testing
@testable import LogStore

/// The corruption matrix for compacted segments (segment version 3, docs/FORMAT.md section 10):
/// seeded bit flips, zeroed ranges, truncations and extensions of one compacted segment. `verify`
/// reports every change; a reader serves only intact records or a clear error; a writer keeps the
/// damaged file in place and reports it.
@Suite struct CompactedSegmentCorruptionTests {
    static let perKind = 100

    struct Image {
        var files: [String: [UInt8]]
        var records: [UInt64: LogRecord]
        var segmentName: String
    }

    static let image: Result<Image, any Error> = Result {
        let dir = TempDir("compacted-matrix")
        var options = compactionOptions()
        options.blockSize = 1024
        options.io = NoSyncIO()
        let stored = try makeFragmentedStore(dir.path, records: 300, batches: 6, hours: 2, options: options)
        let store = try LogStore.open(at: dir.path, options: options)
        try store.compact()
        try store.close()
        let files = try snapshotFiles(dir.path)
        let compacted = compactedSegmentNames(dir.path)
        guard compacted.count == 1, segmentNames(dir.path).count == 1 else {
            throw LogStoreError(.invalidArgument, "expected one compacted segment, found \(segmentNames(dir.path))")
        }
        return Image(files: files, records: Dictionary(uniqueKeysWithValues: stored.map { ($0.sequence, $0) }),
                     segmentName: "segments/" + compacted[0])
    }

    @Test func everyChangeToACompactedSegmentIsReportedAndNothingWrongIsServed() throws {
        let image = try Self.image.get()
        let original = try #require(image.files[image.segmentName])
        var tally = MatrixTally(fileKind: "compacted segment (v5)")
        var rng = SeededRandom(seed: 31 &+ CorruptionMatrixTests.seed)
        let root = TempDir("compacted-matrix-runs")
        let problems = CorruptionMatrixTests.Problems()
        var index = 0
        for kind in Mutation.Kind.allCases {
            for _ in 0..<Self.perKind {
                index += 1
                let m = Mutation.random(kind, size: original.count, using: &rng)
                let mutated = m.apply(original)
                let dir = root.path + "/m\(index)"
                for sub in ["wal", "segments"] { try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true) }
                for (rel, content) in image.files { try StoreImage.write(dir + "/" + rel, rel == image.segmentName ? mutated : content) }
                defer { try? FileManager.default.removeItem(atPath: dir) }
                try tally.update(kind) { row in
                    row.mutations += 1
                    guard mutated != original else { row.unchanged += 1; return }
                    let report = try LogStore.verify(at: dir)
                    if report.problems.contains(where: { $0.file == image.segmentName }) {
                        row.detectedAsDamage += 1
                    } else {
                        row.missed += 1
                        problems.record("\(m): compacted segment damage not reported (\(report.problems))")
                    }
                    do throws(LogStoreError) {
                        let reader = try LogStore.open(at: dir, options: CorruptionMatrixTests.readerOptions)
                        defer { try? reader.close() }
                        do throws(LogStoreError) {
                            let all = try reader.records(LogQuery())
                            var seen = Set<UInt64>()
                            for r in all {
                                if image.records[r.sequence]?.isIdentical(to: r) != true { problems.record("\(m): a record not appended intact: \(r)") }
                                if !seen.insert(r.sequence).inserted { problems.record("\(m): record \(r.sequence) returned twice") }
                            }
                        } catch {
                            if error.kind != .corruption { problems.record("\(m): a query threw \(error)") }
                            row.queryErrors += 1
                        }
                    } catch {
                        if error.kind != .corruption && error.kind != .unsupportedVersion { problems.record("\(m): reader open threw \(error)") }
                    }
                    do throws(LogStoreError) {
                        var o = CorruptionMatrixTests.writerOptions()
                        o.compactInBackground = false
                        let writer = try LogStore.open(at: dir, options: o)
                        if !writer.recoveryReport.unreadableSegments.isEmpty { row.openRepaired += 1 }
                        try writer.close()
                        if !fileExists(dir + "/" + image.segmentName) { problems.record("\(m): open deleted a damaged compacted segment") }
                    } catch {
                        if error.kind != .corruption && error.kind != .unsupportedVersion { problems.record("\(m): writer open threw \(error)") }
                        row.openRefused += 1
                    }
                }
            }
        }
        for line in tally.lines { print(line) }
        #expect(problems.count == 0)
        for r in tally.rows.values { #expect(r.missed == 0) }
    }
}
