import Glibc
import LogStoreFormat

/// What ``LogStore/salvage(at:progress:emit:)`` rescued and what it could not.
public struct SalvageReport: Sendable {
    /// Records read intact and handed to `emit`.
    public var saved = 0
    /// Records known to be lost: the counts the footer (or, in a segment whose footer is unreadable,
    /// the block header) gives for unreadable blocks, plus single damaged rows of otherwise readable blocks.
    public var lost = 0
    /// Damage whose record count cannot be known (bytes of a segment that hold no readable block
    /// header, damaged WAL bytes), each named by file and offset.
    public var unknownLoss: [DamageReport] = []
    /// Every piece of damage met, by file and offset, including the blocks counted in ``lost``.
    public var damage: [DamageReport] = []
}

extension LogStore {
    /// Reads every record that can still be read from the store at `path` and hands each to `emit`,
    /// without opening the store for writing, without its lock, and without changing any file.
    ///
    /// Segments are read block by block, so a damaged block loses only its own records; a segment
    /// whose footer is unreadable is scanned for its self-describing block headers (docs/FORMAT.md
    /// 5.2), unless a WAL file still holds its records. WAL files not yet in segments are read frame
    /// by frame, as recovery would. Records come segment by
    /// segment, then WAL file by WAL file, each in store order; not in one global order.
    ///
    /// - Parameters:
    ///   - path: the store's directory.
    ///   - progress: called with (files done, files total).
    ///   - emit: receives each readable record; an error it throws stops the salvage.
    public static func salvage(at path: String, progress: ((Int, Int) -> Void)? = nil,
                               emit: (LogRecord) throws(LogStoreError) -> Void) throws(LogStoreError) -> SalvageReport {
        let io = PosixIO()
        guard io.exists(path) else { throw LogStoreError(.notFound, "no store at this path", path: path) }
        var report = SalvageReport()
        var recovery = RecoveryReport()
        let segDir = joinPath(path, "segments")
        let walDir = joinPath(path, "wal")
        let catalog = try SegmentCatalog.load(directory: segDir, io: io, report: &recovery)
        let walNumbers = io.exists(walDir) ? try LogStore.listWAL(walDir, io: io) : []
        let (committed, _, maxCommitted) = catalog.classify(walNumbers: Set(walNumbers))
        let wals = walNumbers.filter { $0 > maxCommitted }
        let total = committed.count + wals.count + recovery.unreadableSegments.count
        var done = 0
        for d in recovery.unreadableSegments {
            defer { done += 1; progress?(done, total) }
            let segmentPath = joinPath(path, d.file)
            let bytes: [UInt8]
            do throws(LogStoreError) { bytes = try File(path: segmentPath, flags: O_RDONLY, io: io).readAll() } catch {
                if error.code == ENOENT { continue }
                report.unknownLoss.append(d)
                report.damage.append(d)
                continue
            }
            // A segment of a flush whose WAL file is still here: that file holds its records and is read below.
            if bytes.count >= SegmentFormat.headerSize,
               let header = try? bytes.withBytes({ b throws(FormatError) in try SegmentHeader.decode(b) }),
               header.flushID > maxCommitted, wals.contains(header.flushID) {
                report.damage.append(DamageReport(file: d.file, offset: d.offset, length: d.length,
                                                  reason: d.reason + "; its records are read from wal/" + WALFormat.fileName(header.flushID)))
                continue
            }
            let scan = try SegmentBlockScan.scan(bytes, name: d.file, emit: emit)
            report.damage.append(DamageReport(file: d.file, offset: d.offset, length: d.length,
                                              reason: d.reason + "; \(scan.blocksRead) blocks found by scanning, \(scan.saved) records read"))
            report.saved += scan.saved
            report.lost += scan.lost
            report.damage.append(contentsOf: scan.damage + scan.unknown)
            report.unknownLoss.append(contentsOf: scan.unknown)
        }
        for segment in committed {
            let file = try SegmentFile(segment: segment)
            for (index, entry) in file.footer.blocks.enumerated() {
                do throws(LogStoreError) {
                    let (records, damagedRows) = try file.readableRecords(inBlock: index)
                    for r in records { try emit(r) }
                    report.saved += records.count
                    report.lost += damagedRows.count
                    for row in damagedRows {
                        report.damage.append(DamageReport(file: "segments/" + segment.name, offset: Int(entry.offset), length: entry.diskLength, reason: row))
                    }
                } catch {
                    // An error from `emit` is not damage: stop.
                    if error.path != segment.path || error.kind != .corruption { throw error }
                    report.lost += Int(entry.recordCount)
                    report.damage.append(DamageReport(file: "segments/" + segment.name, offset: error.offset ?? Int(entry.offset),
                                                      length: entry.diskLength, reason: "\(error.message) (\(entry.recordCount) records lost)"))
                }
            }
            done += 1
            progress?(done, total)
        }
        for (i, number) in wals.enumerated() {
            let name = WALFormat.fileName(number)
            defer { done += 1; progress?(done, total) }
            let bytes: [UInt8]
            do throws(LogStoreError) { bytes = try File(path: joinPath(walDir, name), flags: O_RDONLY, io: io).readAll() } catch {
                if error.code == ENOENT { continue }
                let d = DamageReport(file: "wal/" + name, offset: 0, length: 0, reason: error.message)
                report.unknownLoss.append(d)
                report.damage.append(d)
                continue
            }
            let result = WALReader.read(bytes, name: "wal/" + name, isNewest: i == wals.count - 1)
            if let u = result.unsupported {
                let d = DamageReport(file: "wal/" + name, offset: u.offset, length: 0, reason: "written by a newer format version, not read: \(u.reason)")
                report.unknownLoss.append(d)
                report.damage.append(d)
            }
            report.unknownLoss.append(contentsOf: result.damage)
            report.damage.append(contentsOf: result.damage)
            if let batch = result.batch {
                try withExtendedLifetime(batch) { () throws(LogStoreError) in
                    for row in result.rows {
                        let r: LogRecord
                        do throws(FormatError) { r = try row.record() } catch {
                            report.lost += 1
                            report.damage.append(DamageReport(file: "wal/" + name, offset: 0, length: Int(row.length), reason: "record \(row.sequence): \(error.reason)"))
                            continue
                        }
                        try emit(r)
                        report.saved += 1
                    }
                }
            }
        }
        return report
    }
}
