/// The segment files of a store directory, grouped by flush (docs/FORMAT.md, section 6).
struct SegmentCatalog {
    struct Group {
        var flushID: UInt64
        var segments: [Segment]
    }

    /// Segments of complete flush groups.
    var complete: [Segment] = []
    /// Groups with missing members: traces of a crash during a flush.
    var incomplete: [Group] = []
    var maxCompleteFlushID: UInt64 = 0
    var maxFlushID: UInt64 = 0
    var maxSegmentID: UInt64 = 0

    /// Opens every `*.seg` in `directory`. Unreadable files are reported and skipped, never deleted.
    static func load(directory: String, io: any StorageIO, report: inout RecoveryReport) throws(LogStoreError) -> SegmentCatalog {
        var catalog = SegmentCatalog()
        guard io.exists(directory) else { return catalog }
        var byFlush: [UInt64: [Segment]] = [:]
        var sizes: [UInt64: UInt32] = [:]
        for name in try io.listDirectory(directory) {
            guard let id = SegmentFormat.segmentID(name) else { continue }
            catalog.maxSegmentID = max(catalog.maxSegmentID, id)
            do throws(LogStoreError) {
                let s = try Segment(path: joinPath(directory, name), name: name, io: io)
                byFlush[s.header.flushID, default: []].append(s)
                sizes[s.header.flushID] = s.header.groupSize
                catalog.maxFlushID = max(catalog.maxFlushID, s.header.flushID)
            } catch {
                // Expired by a writer between listing and opening: not a problem for a reader.
                if error.kind == .io && error.code == 2 { continue }
                report.unreadableSegments.append(DamageReport(file: "segments/" + name, offset: error.offset ?? 0,
                                                              length: 0, reason: error.message))
            }
        }
        for (flush, segs) in byFlush {
            let indexes = Set(segs.map(\.header.groupIndex))
            let size = sizes[flush] ?? 0
            if indexes.count == Int(size) && segs.allSatisfy({ $0.header.groupSize == size }) {
                catalog.complete.append(contentsOf: segs)
                catalog.maxCompleteFlushID = max(catalog.maxCompleteFlushID, flush)
            } else {
                catalog.incomplete.append(Group(flushID: flush, segments: segs))
            }
        }
        catalog.complete.sort { $0.id < $1.id }
        return catalog
    }
}
