import Glibc
import LogStoreFormat

/// The segment files of a store directory, grouped by flush (docs/DESIGN.md, "Recovery rules").
struct SegmentCatalog {
    struct Group {
        var flushID: UInt64
        var size: UInt32
        var segments: [Segment]
        var isComplete: Bool { Set(segments.map(\.header.groupIndex)).count == Int(size) }
    }

    var groups: [UInt64: Group] = [:]
    /// Compacted segments (FORMAT.md 10), not covered by another one.
    var compacted: [Segment] = []
    /// Segments a readable compacted segment replaces (FORMAT.md 10.2): files a crash left behind
    /// after a compaction. Never counted; a writer's open deletes them.
    var covered: [Segment] = []
    /// The file names listed, to notice a directory that changed while it was being read.
    var names: Set<String> = []
    var maxFlushID: UInt64 = 0
    var maxSegmentID: UInt64 = 0
    /// Segment files that could not be opened but whose header still tells their time window, so
    /// that retention can remove them once the window is past (damage must not pin the disk).
    var unreadable: [UnreadableSegment] = []
    /// What the manifest (FORMAT.md 11) described, and whether it matched the directory.
    var manifest = ManifestStatus()

    /// Opens every `*.seg` in `directory`. Unreadable files are reported and skipped, never deleted;
    /// a segment of a newer format version stops the load (the store must not be used by this build).
    ///
    /// A flush, compaction or expiry in another process may change the directory while it is read
    /// (a compaction renames its output, then unlinks its inputs): the listing is taken again after
    /// the files were opened, and the load starts over while it changed (at most 20 times).
    ///
    /// With `manifest`, the path of the store's `MANIFEST` (FORMAT.md 11.3), segments it describes
    /// (same name, size and modification time) are opened without reading their footers; the others are read as usual.
    /// A missing, damaged or stale manifest is only reported: the files decide.
    static func load(directory: String, io: any StorageIO, manifest: String? = nil,
                     report: inout RecoveryReport) throws(LogStoreError) -> SegmentCatalog {
        var attempt = 0
        while true {
            attempt += 1
            var attemptReport = RecoveryReport()
            let catalog = try loadOnce(directory: directory, io: io, manifest: manifest, report: &attemptReport)
            let now = io.exists(directory)
                ? Set(try io.listDirectory(directory).filter { SegmentFormat.segmentID($0) != nil }) : []
            if now == catalog.names || attempt >= 20 {
                report.unreadableSegments.append(contentsOf: attemptReport.unreadableSegments)
                report.manifest = catalog.manifest
                return catalog
            }
        }
    }

    private static func loadOnce(directory: String, io: any StorageIO, manifest: String?,
                                 report: inout RecoveryReport) throws(LogStoreError) -> SegmentCatalog {
        var catalog = SegmentCatalog()
        var opened: [Segment] = []
        var described: [UInt64: ManifestFile.Entry] = [:]
        if let manifest {
            catalog.manifest = ManifestStatus.read(manifest, io: io, into: &described)
            // Ids stay unique even when a crash left the manifest naming a segment already deleted.
            catalog.maxSegmentID = described.keys.max() ?? 0
        }
        guard io.exists(directory) else { return catalog }
        var used = 0
        for name in try io.listDirectory(directory) {
            guard let id = SegmentFormat.segmentID(name) else { continue }
            catalog.names.insert(name)
            catalog.maxSegmentID = max(catalog.maxSegmentID, id)
            do throws(LogStoreError) {
                let path = joinPath(directory, name)
                if let entry = described[id] {
                    let file = try File(path: path, flags: O_RDONLY, io: io)
                    let (size, modified) = try file.sizeAndModificationTime()
                    if size == entry.fileSize && modified == entry.modifiedAt {
                        let s = Segment(described: entry, name: name, file: file)
                        opened.append(s)
                        catalog.maxFlushID = max(catalog.maxFlushID, s.header.flushID)
                        used += 1
                        continue
                    }
                }
                let s = try Segment(path: path, name: name, io: io)
                catalog.manifest.footersRead += 1
                opened.append(s)
                catalog.maxFlushID = max(catalog.maxFlushID, s.header.flushID)
            } catch {
                if error.kind == .unsupportedVersion { throw error }
                // Expired by a writer between listing and opening: not a problem for a reader.
                if error.kind == .io && error.code == 2 { continue }
                report.unreadableSegments.append(DamageReport(file: "segments/" + name, offset: error.offset ?? 0,
                                                              length: 0, reason: error.message))
                let path = joinPath(directory, name)
                if let header = try? File(path: path, flags: O_RDONLY, io: io).read(at: 0, count: SegmentFormat.headerSize),
                   let decoded = try? header.withBytes({ b throws(FormatError) in try SegmentHeader.decode(b) }) {
                    let (end, overflow) = decoded.windowStart.addingReportingOverflow(decoded.windowSpan)
                    if !overflow { catalog.unreadable.append(UnreadableSegment(path: path, windowEnd: end)) }
                }
            }
        }
        catalog.manifest.segmentsDescribed = used
        catalog.manifest.entriesWithoutFile = described.count - used
        catalog.sort(opened)
        return catalog
    }

    /// Sets covered segments aside, then files compacted segments and flush groups.
    private mutating func sort(_ opened: [Segment]) {
        var replaced = Set<UInt64>()
        for s in opened where s.isCompacted { replaced.formUnion(s.summary.replaces) }
        for s in opened {
            if replaced.contains(s.id) {
                covered.append(s)
            } else if s.isCompacted {
                compacted.append(s)
            } else {
                groups[s.header.flushID, default: Group(flushID: s.header.flushID, size: s.header.groupSize, segments: [])]
                    .segments.append(s)
            }
        }
    }

    /// Splits the groups, given the WAL files that exist, into committed segments and interrupted
    /// flushes. A flush is committed once its group was complete and its WAL file deleted; members
    /// missing from a committed group were expired or compacted. A group that is incomplete while its
    /// WAL file still exists is a flush a crash interrupted: the WAL holds all of its records.
    /// Compacted segments are committed and count like a complete group of their flush id.
    func classify(walNumbers: Set<UInt64>) -> (committed: [Segment], interrupted: [Group], maxCommittedFlushID: UInt64) {
        var committed: [Segment] = compacted
        var interrupted: [Group] = []
        var maxCommitted = compacted.reduce(UInt64(0)) { max($0, $1.header.flushID) }
        // Flushes commit in flush-id order and a compaction takes only groups whose WAL file is gone
        // (FORMAT.md 10.2), so a WAL file beside a group at or below a compacted flush id is a
        // leftover whose deletion did not reach the disk, never an interrupted flush.
        let compactedThrough = maxCommitted
        for group in groups.values {
            if group.isComplete || !walNumbers.contains(group.flushID) || group.flushID <= compactedThrough {
                committed.append(contentsOf: group.segments)
                maxCommitted = max(maxCommitted, group.flushID)
            } else {
                interrupted.append(group)
            }
        }
        committed.sort { $0.id < $1.id }
        return (committed, interrupted.sorted { $0.flushID < $1.flushID }, maxCommitted)
    }
}

/// A segment file that could not be opened, with the end of the time window its header names.
struct UnreadableSegment: Sendable {
    var path: String
    var windowEnd: Int64
}
