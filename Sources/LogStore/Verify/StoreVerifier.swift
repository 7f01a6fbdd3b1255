import Glibc
import LogStoreFormat

extension LogStore {
    /// Checks every checksum and structural rule of docs/DESIGN.md ("Verification rules") in the store at `path`,
    /// without opening it for writing and without taking its lock, so it works beside a running writer.
    ///
    /// - Parameters:
    ///   - path: the store's directory.
    ///   - progress: called with (files done, files total) as the check advances.
    public static func verify(at path: String, progress: ((Int, Int) -> Void)? = nil) throws(LogStoreError) -> VerifyReport {
        try StoreVerifier(path: path, io: PosixIO()).run(progress: progress)
    }
}

struct StoreVerifier {
    let path: String
    let io: any StorageIO

    func run(progress: ((Int, Int) -> Void)?) throws(LogStoreError) -> VerifyReport {
        guard io.exists(path) else { throw LogStoreError(.notFound, "no store at this path", path: path) }
        var report = VerifyReport()
        do throws(LogStoreError) { _ = try LogStore.loadSettings(path, io: io) } catch {
            report.problems.append(DamageReport(file: StoreSettings.fileName, offset: error.offset ?? 0, length: 0, reason: error.message))
        }
        do throws(LogStoreError) { _ = try LogStore.readKeysFile(path, io: io) } catch {
            report.problems.append(DamageReport(file: KeysFile.fileName, offset: error.offset ?? 0, length: 0,
                                                reason: error.message + " (idempotency keys of flushed records; the next flush rewrites it)"))
        }
        do throws(LogStoreError) { _ = try LogStore.readCheckpointsFile(path, io: io) } catch {
            report.problems.append(DamageReport(file: CheckpointsFile.fileName, offset: error.offset ?? 0, length: 0, reason: error.message))
        }
        let segDir = joinPath(path, "segments")
        let walDir = joinPath(path, "wal")
        let quarantineDir = joinPath(path, "quarantine")
        let segNames = io.exists(segDir) ? try io.listDirectory(segDir).filter { SegmentFormat.segmentID($0) != nil }.sorted() : []
        let walNumbers = io.exists(walDir) ? try LogStore.listWAL(walDir, io: io) : []
        let total = segNames.count + walNumbers.count
        var done = 0

        // Segments a readable compacted segment replaces are left over from a crash during a
        // compaction (FORMAT.md 10.2): checked, but their records are not counted.
        var replaced = Set<UInt64>()
        for name in segNames {
            if let s = try? Segment(path: joinPath(segDir, name), name: name, io: io), s.isCompacted {
                replaced.formUnion(s.summary.replaces)
            }
        }
        var groups: [UInt64: (size: UInt32, members: Set<UInt32>)] = [:]
        var maxComplete: UInt64 = 0
        for name in segNames {
            let recordsBefore = report.recordsChecked
            let s = checkSegment(name: name, directory: segDir, into: &report)
            if let s, replaced.contains(s.id) {
                report.recordsChecked = recordsBefore
                report.notes.append("segments/\(name) was replaced by a compaction (its records are in a compacted segment); the next open deletes it")
            } else if let s, s.isCompacted {
                maxComplete = max(maxComplete, s.header.flushID)
            } else if let s {
                groups[s.header.flushID, default: (s.header.groupSize, [])].members.insert(s.header.groupIndex)
            }
            done += 1
            progress?(done, total)
        }
        checkManifest(segmentNames: segNames, directory: segDir, into: &report)
        // As at open (SegmentCatalog.classify): a group missing members while its WAL file exists is
        // a flush in progress or interrupted, rebuilt from the WAL; once the WAL file is gone the
        // group was committed and missing members were expired or compacted.
        let compactedThrough = maxComplete
        for (flush, g) in groups where g.members.count == Int(g.size) || !walNumbers.contains(flush) || flush <= compactedThrough {
            maxComplete = max(maxComplete, flush)
        }
        for (flush, g) in groups.sorted(by: { $0.key < $1.key })
        where g.members.count != Int(g.size) && walNumbers.contains(flush) && flush > compactedThrough {
            report.notes.append("flush \(flush) is incomplete (\(g.members.count) of \(g.size) segments); wal/\(WALFormat.fileName(flush)) still holds its records, so the next open rebuilds it")
        }
        for (i, number) in walNumbers.enumerated() {
            let name = WALFormat.fileName(number)
            defer { done += 1; progress?(done, total) }
            if number <= maxComplete {
                report.notes.append("wal/\(name) is already in segments; the next open deletes it")
                continue
            }
            let bytes: [UInt8]
            do throws(LogStoreError) { bytes = try File(path: joinPath(walDir, name), flags: O_RDONLY, io: io).readAll() } catch {
                if error.code == ENOENT { continue }
                report.problems.append(DamageReport(file: "wal/" + name, offset: 0, length: 0, reason: error.message))
                continue
            }
            let result = WALReader.read(bytes, name: "wal/" + name, isNewest: i == walNumbers.count - 1)
            report.walFilesChecked += 1
            report.recordsChecked += result.rows.count
            report.problems.append(contentsOf: result.damage)
            if result.tornTailBytes > 0 {
                report.notes.append("wal/\(name) ends with a torn tail of \(result.tornTailBytes) bytes at byte \(result.validEnd) (left by a crash or a write in progress; cut at the next open, not damage)")
            }
        }
        if io.exists(quarantineDir) {
            for name in try io.listDirectory(quarantineDir).sorted() {
                report.problems.append(DamageReport(file: "quarantine/" + name, offset: 0, length: 0,
                                                    reason: "a damaged WAL file was set aside at recovery; its readable records were kept. Inspect it, then delete it to clear this report"))
            }
        }
        return report
    }

    /// Checks one segment completely; returns it when its header and footer were readable.
    private func checkSegment(name: String, directory: String, into report: inout VerifyReport) -> Segment? {
        let file = "segments/" + name
        let segment: Segment
        do throws(LogStoreError) { segment = try Segment(path: joinPath(directory, name), name: name, io: io) } catch {
            if error.code == ENOENT { return nil }
            report.problems.append(DamageReport(file: file, offset: error.offset ?? 0, length: 0, reason: error.message))
            return nil
        }
        report.segmentsChecked += 1
        if SegmentFormat.segmentID(name) != segment.header.segmentID {
            report.problems.append(DamageReport(file: file, offset: 12, length: 8, reason: "segment id \(segment.header.segmentID) does not match the file name"))
        }
        let footer: SegmentFooter
        do throws(LogStoreError) { footer = try segment.footer() } catch {
            report.problems.append(DamageReport(file: file, offset: error.offset ?? 0, length: 0, reason: error.message))
            return nil
        }
        if let last = footer.replaces.last, last >= segment.id {
            report.problems.append(DamageReport(file: file, offset: 0, length: 0,
                                                reason: "the compacted segment claims to replace segment \(last), which is not older than itself"))
        }
        let windowEnd = segment.header.windowStart &+ segment.header.windowSpan
        var pairs = Set<IndexPair>()
        var previous: QueryCursor?
        for (index, entry) in footer.blocks.enumerated() {
            report.blocksChecked += 1
            func problem(_ reason: String, _ offset: Int = Int(entry.offset)) {
                report.problems.append(DamageReport(file: file, offset: offset, length: entry.diskLength, reason: "block \(index): \(reason)"))
            }
            let block: DecodedBlock
            do throws(LogStoreError) {
                if !entry.isSectioned {
                    // Version 1: the header's fields repeat the footer's (version 2 blocks are checked by readBlock).
                    let headerBytes = try segment.file.read(at: Int64(entry.offset), count: BlockFormat.headerSize)
                    let h = try? headerBytes.withBytes { b throws(FormatError) in try BlockHeader.decode(b) }
                    if let h, h.checksum != entry.checksum || h.codec != entry.codec || h.rawLength != entry.rawLength
                        || h.storedLength != entry.storedLength {
                        problem("block header disagrees with the footer entry")
                        continue
                    }
                }
                block = try segment.readBlock(index)
            } catch {
                problem(error.message, error.offset ?? Int(entry.offset))
                continue
            }
            var levels = [UInt32](repeating: 0, count: LogLevel.count)
            var sources: [String: UInt32] = [:]
            var minTs = Int64.max, maxTs = Int64.min, minSeq = UInt64.max, maxSeq: UInt64 = 0
            var ok = true
            for i in 0..<block.count {
                let key = QueryCursor(timestamp: block.timestamps[i], sequence: block.sequences[i])
                if let previous, !(previous < key) { problem("records out of order at row \(i)"); ok = false; break }
                previous = key
                if key.timestamp < segment.header.windowStart || key.timestamp >= windowEnd {
                    problem("row \(i) lies outside the segment's time window"); ok = false; break
                }
                levels[Int(block.levels[i])] += 1
                sources[block.sources[Int(block.sourceIndex[i])], default: 0] += 1
                minTs = min(minTs, key.timestamp); maxTs = max(maxTs, key.timestamp)
                minSeq = min(minSeq, key.sequence); maxSeq = max(maxSeq, key.sequence)
                do throws(FormatError) {
                    let r = try block.record(i)
                    if let id = r.correlationID { pairs.insert(IndexPair(hash: CorrelationHash.hash(id), block: UInt32(index))) }
                } catch {
                    problem("row \(i): \(error.reason)"); ok = false; break
                }
                report.recordsChecked += 1
            }
            guard ok else { continue }
            if levels != entry.levelCounts { problem("level counts disagree with the footer") }
            var expected: [String: UInt32] = [:]
            for sc in entry.sourceCounts where Int(sc.source) < footer.sources.count { expected[footer.sources[Int(sc.source)]] = sc.count }
            if sources != expected { problem("source counts disagree with the footer") }
            if minTs != entry.minTimestamp || maxTs != entry.maxTimestamp || minSeq != entry.minSequence || maxSeq != entry.maxSequence {
                problem("time or sequence range disagrees with the footer")
            }
        }
        var listed = Set<IndexPair>()
        do throws(LogStoreError) {
            for (h, b) in try segment.correlationPairs() { listed.insert(IndexPair(hash: h, block: b)) }
        } catch {
            report.problems.append(DamageReport(file: file, offset: error.offset ?? 0, length: 0, reason: error.message))
            return segment
        }
        if listed != pairs && report.problems.allSatisfy({ $0.file != file }) {
            report.problems.append(DamageReport(file: file, offset: 0, length: 0,
                                                reason: "the correlation index lists \(listed.count) (ID, block) pairs, the blocks hold \(pairs.count)"))
        }
        return segment
    }
}

/// One entry of a correlation index.
private struct IndexPair: Hashable {
    var hash: UInt64
    var block: UInt32
}
