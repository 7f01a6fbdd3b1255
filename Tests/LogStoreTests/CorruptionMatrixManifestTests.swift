import Foundation
import Testing
@testable import LogStore
import LogStoreFormat

/// Sets a file's access and modification times to `nanos` (nanoseconds since the epoch).
func setModificationTime(_ path: String, _ nanos: Int64) throws {
    let t = timespec(tv_sec: Int(nanos / 1_000_000_000), tv_nsec: Int(nanos % 1_000_000_000))
    var times = [t, t]
    guard utimensat(AT_FDCWD, path, &times, 0) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
}

extension CorruptionMatrixTests {
    // MARK: MANIFEST

    /// A damaged MANIFEST (FORMAT.md 11) is reported by verify, never trusted: readers and writers read
    /// the segment's footer instead and see every record; a writer's open rewrites it.
    @Test func manifestFile() throws {
        let image = try Self.image.get()
        let original = try #require(image.files[ManifestFile.fileName])
        let entries = try original.withUnsafeBytes { try ManifestFile.decode($0) }
        try #require(entries.count == 1)
        let problems = Problems()
        let all = Set(image.records.keys)
        let tally = try Self.run("MANIFEST", file: ManifestFile.fileName, bytes: original, seed: 13) { m, mutated, dir, row in
            // The copied segment gets the time the manifest recorded, so the intact manifest describes it.
            for e in entries { try setModificationTime(dir + "/segments/" + SegmentFormat.fileName(e.header.segmentID), e.modifiedAt) }
            if mutated == original {
                let reader = try LogStore.open(at: dir, options: Self.readerOptions)
                if reader.recoveryReport.manifest.segmentsDescribed != 1 { problems.record("\(m): the intact manifest described nothing") }
                try reader.close()
                return
            }
            if (try LogStore.verify(at: dir)).problems.contains(where: { $0.file == ManifestFile.fileName }) {
                row.detectedAsDamage += 1
            } else {
                row.missed += 1
                problems.record("\(m): damaged MANIFEST not reported by verify")
            }
            do throws(LogStoreError) {
                let reader = try LogStore.open(at: dir, options: Self.readerOptions)
                if reader.recoveryReport.manifest.segmentsDescribed != 0 { problems.record("\(m): a damaged manifest described a segment") }
                Self.checkRecords(try reader.records(LogQuery()), image: image, required: all, exact: true, "\(m) reader", problems)
                try reader.close()
                let writer = try LogStore.open(at: dir, options: Self.writerOptions())
                if writer.recoveryReport.manifestRewritten { row.openRepaired += 1 } else { problems.record("\(m): open did not rewrite the manifest") }
                Self.checkRecords(try writer.records(LogQuery()), image: image, required: all, exact: true, "\(m) writer", problems)
                try writer.close()
            } catch {
                problems.record("\(m): open threw \(error)")
                row.openRefused += 1
            }
        }
        #expect(problems.count == 0)
        for r in tally.rows.values { #expect(r.missed == 0) }
    }
}
