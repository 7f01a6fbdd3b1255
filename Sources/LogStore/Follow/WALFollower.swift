import Glibc
import LogStoreFormat

/// The thread behind a ``LogFollower``: follows a store's WAL files from another process and hands
/// every matching record above its cursor to the buffer, once, in sequence order.
///
/// Rules it relies on (docs/FORMAT.md 4 and 6): sequence numbers increase across frames and files;
/// a WAL file's header names the first sequence it may hold, and every smaller sequence is in an
/// older file; the writer finishes writing a file before it creates the next one; a WAL file is
/// deleted only after the segments holding its records are in place. So the follower reads the
/// current file incrementally, finishes it once a newer file exists (or its path is gone or names
/// another file), and when the next file starts above `cursor + 1` reads the sequences in between
/// from the committed segments.
final class WALFollower: @unchecked Sendable {
    private struct OpenFile {
        var number: UInt64
        var file: File
        var identity: FileIdentity?
        var headerRead = false
        /// Bytes consumed: the header and every complete frame read.
        var offset = 0
    }

    private let storeDirectory: String
    private let walDirectory: String
    private let segmentDirectory: String
    private let io: any StorageIO
    private let predicate: Predicate
    private let buffer: FollowBuffer
    private let watcher: DirectoryWatcher

    // Owned by the follower thread.
    /// The last sequence number examined (delivered, or skipped by the filter).
    private var cursor: UInt64
    private var remaining: Int?
    private var current: OpenFile?
    /// The last WAL file opened (or found deleted), so that a file number reused by a new writer is
    /// noticed. Its descriptor is kept open until the next file is opened: a file's inode number is
    /// not reused while it is open, so a new file under the same name never looks like the old one.
    private var last: (number: UInt64, identity: FileIdentity?, file: File?)?
    private var stopped = false
    /// The segments were read while no WAL file existed; read them again only once WAL files came and went.
    private var readSegmentsWhileEmpty = false
    /// Segment damage already reported (file and offset), so a block read again for another window
    /// of sequence numbers is reported once.
    private var reportedSegmentDamage: Set<DamageReport> = []

    /// Sequence numbers read from segments per pass, bounding the records sorted at once.
    static let segmentWindow: UInt64 = 65_536

    init(directory: String, io: any StorageIO, predicate: Predicate, after: UInt64, limit: Int?,
         buffer: FollowBuffer, watcher: DirectoryWatcher) {
        storeDirectory = directory
        walDirectory = joinPath(directory, "wal")
        segmentDirectory = joinPath(directory, "segments")
        self.io = io
        self.predicate = predicate
        self.buffer = buffer
        self.watcher = watcher
        cursor = after
        remaining = limit.map { max(0, $0) }
        stopped = remaining == 0
    }

    /// The thread body: read, then wait for inotify (or a poll interval), until cancelled, the
    /// filter's limit is reached, or reading fails.
    func run() {
        var watching = false
        while !stopped && !buffer.isCancelled {
            if !watching && watcher.usesInotify {
                watching = watcher.watch(walDirectory)
                if !watching { _ = watcher.watch(storeDirectory) }  // wal/ appears with the first writer
            }
            do throws(LogStoreError) {
                try step()
            } catch {
                buffer.finish(error)
                return
            }
            if stopped { break }
            // With inotify the timeout is only a safety net (an overflowed event queue).
            watcher.wait(milliseconds: watching ? 1000 : 100)
        }
        buffer.finish(nil)
    }

    // MARK: Reading

    /// Reads everything available now.
    private func step() throws(LogStoreError) {
        while !stopped {
            let numbers = try walNumbers()
            if var cur = current {
                // A newer file, or a path that is gone or names another file: the writer has moved on,
                // and it wrote its last frame to this file before that, so one more read finishes it.
                let moved = numbers.contains { $0 > cur.number } || identity(ofPath: path(cur.number)) != cur.identity
                try read(&cur, finished: moved)
                if !moved {
                    current = cur
                    return
                }
                current = nil
            }
            guard let next = numbers.first(where: isNew) else {
                // No WAL file at all: the writer closed (or never wrote), and everything it wrote is in segments.
                if numbers.isEmpty && !readSegmentsWhileEmpty {
                    try readSegments(from: cursor &+ 1, through: nil)
                    readSegmentsWhileEmpty = true
                }
                return
            }
            readSegmentsWhileEmpty = false
            let file: File
            do throws(LogStoreError) {
                file = try File(path: path(next), flags: O_RDONLY, io: io)
            } catch {
                guard error.code == ENOENT else { throw error }
                // Flushed and deleted before we got to it: the next file's header tells what to read from segments.
                last = (next, nil, nil)
                continue
            }
            let id = identity(ofDescriptor: file.fd)
            last = (next, id, file)
            current = OpenFile(number: next, file: file, identity: id)
        }
    }

    /// Whether WAL file `number` has not been opened yet.
    private func isNew(_ number: UInt64) -> Bool {
        guard let last else { return true }
        if number > last.number { return true }
        return number == last.number && identity(ofPath: path(number)) != last.identity
    }

    /// Reads what was appended to `cur` since the last read. `finished`: the writer has moved on, so
    /// an incomplete frame at the end will never be completed and damage is final.
    private func read(_ cur: inout OpenFile, finished: Bool) throws(LogStoreError) {
        let size = Int(try cur.file.size())
        let name = "wal/" + WALFormat.fileName(cur.number)
        if !cur.headerRead {
            guard size >= WALFormat.headerSize else {
                if finished {  // a torn file the writer abandoned: nothing in it to read
                    cur.headerRead = true
                    cur.offset = size
                }
                return
            }
            let bytes = try cur.file.read(at: 0, count: WALFormat.headerSize)
            let header: WALHeader
            do throws(FormatError) {
                header = try bytes.withBytes { b throws(FormatError) in try WALHeader.decode(b) }
            } catch {
                if error.isUnsupportedVersion { throw .format(error, path: cur.file.path, base: 0) }
                // A damaged header: read the frames anyway, as a read-only open does (4.3).
                cur.headerRead = true
                cur.offset = WALFormat.headerSize
                report(DamageReport(file: name, offset: 0, length: WALFormat.headerSize,
                                    reason: "WAL file header does not decode (\(error.reason)); its frames are read anyway"))
                return try read(&cur, finished: finished)
            }
            cur.headerRead = true
            cur.offset = WALFormat.headerSize
            // Sequences below the file's first one that we have not seen were in files flushed and
            // deleted before we opened them: their records are in segments now.
            if header.firstSequence > cursor &+ 1 {
                try readSegments(from: cursor &+ 1, through: header.firstSequence - 1)
                cursor = max(cursor, header.firstSequence - 1)
            }
        }
        guard size > cur.offset, !stopped else { return }
        // A new writer's open may cut a torn tail meanwhile: read what is there.
        let batch = RowBatch(copying: try cur.file.read(at: Int64(cur.offset), upTo: size - cur.offset))
        var result = WALReadResult()
        WALReader.scanFrames(batch.bytes, from: 0, name: name, into: &result)
        if let unsupported = result.unsupported { throw .format(unsupported, path: cur.file.path, base: cur.offset) }
        if let damage = result.damage.first, !finished {
            // Beside a live writer, what looks like damage may be a frame seen while it was written:
            // read up to it now, and decide about it once the writer has moved on.
            result = WALReadResult()
            WALReader.scanFrames(UnsafeRawBufferPointer(rebasing: batch.bytes[0..<damage.offset]), from: 0,
                                 name: name, into: &result)
        }
        // Damage is final here (the writer moved on, or it lies before frames written after it).
        let damage = result.damage.map { d in
            var d = d
            d.offset += cur.offset
            return d
        }
        withExtendedLifetime(batch) {
            deliver(result.rows, hashes: result.correlationHashes, damage: damage, base: batch.bytes.baseAddress,
                    fileOffset: cur.offset, name: name)
        }
        cur.offset += result.validEnd
    }

    /// Delivers the rows above the cursor that match, moving the cursor over every row, and reports
    /// each damaged stretch (file offsets) where it lies among them. `base` is where the bytes read
    /// at `fileOffset` start in memory.
    private func deliver(_ rows: [RowRef], hashes: [UInt64], damage: [DamageReport], base: UnsafeRawPointer?,
                         fileOffset: Int, name: String) {
        var damage = damage[...]
        for (row, hash) in zip(rows, hashes) {
            guard !stopped else { return }
            let offset = fileOffset + (base.map { row.row - $0 } ?? 0)
            while let d = damage.first, d.offset < offset {
                damage.removeFirst()
                // Sequence numbers rise through a file, so what lies between the cursor and this row
                // was in the damaged stretch; none of it above the cursor: nothing of ours was lost.
                if row.sequence > cursor &+ 1 {
                    var counted = d
                    counted.records = Int(row.sequence - cursor - 1)
                    report(counted)
                    cursor = row.sequence - 1
                }
            }
            guard row.sequence > cursor else { continue }
            cursor = row.sequence
            do throws(FormatError) {
                guard try predicate.matches(row, correlationHash: hash) else { continue }
                emit(try row.record())
            } catch {
                report(DamageReport(file: name, offset: offset, length: Int(row.length),
                                    reason: "record \(row.sequence) does not decode: \(error.reason)", records: 1))
            }
        }
        // Damage after the last good row: how many records it held is not known.
        for d in damage where !stopped { report(d) }
    }

    /// Reads sequences `from…through` (through the largest in any committed segment when nil) from
    /// the segments, a window of sequence numbers at a time, and delivers the matches in sequence order.
    private func readSegments(from lower: UInt64, through upper: UInt64?) throws(LogStoreError) {
        var recovery = RecoveryReport()
        let catalog = try SegmentCatalog.load(directory: segmentDirectory, io: io, report: &recovery)
        for damage in recovery.unreadableSegments where reportedSegmentDamage.insert(damage).inserted {
            report(damage)
        }
        // Only complete flush groups: an incomplete one belongs to a flush in progress whose WAL
        // file still exists (and is read instead).
        let segments = catalog.classify(walNumbers: Set(try walNumbers())).committed
        let top = upper ?? segments.reduce(0) { max($0, $1.summary.maxSequence) }
        var low = lower
        while low <= top && !stopped {
            let high = top - low >= Self.segmentWindow ? low + Self.segmentWindow - 1 : top
            var found: [LogRecord] = []
            var damage: [DamageReport] = []
            for s in segments where s.summary.maxSequence >= low && s.summary.minSequence <= high {
                found.append(contentsOf: records(in: s, from: low, through: high, damage: &damage))
            }
            for d in damage where reportedSegmentDamage.insert(d).inserted && !stopped { report(d) }
            found.sort { $0.sequence < $1.sequence }
            for r in found where r.sequence > cursor {
                guard !stopped else { return }
                cursor = r.sequence
                emit(r)
            }
            cursor = max(cursor, high)
            if high == .max { break }
            low = high + 1
        }
    }

    /// The matching records of `segment` with sequences in `low…high`. A block or record that cannot
    /// be read goes into `damage` (segment file, block offset, reason); the rest are still read.
    private func records(in segment: Segment, from low: UInt64, through high: UInt64,
                         damage: inout [DamageReport]) -> [LogRecord] {
        var out: [LogRecord] = []
        let file = "segments/" + segment.name
        let footer: SegmentFooter
        do throws(LogStoreError) { footer = try segment.footer() } catch {
            damage.append(DamageReport(file: file, offset: error.offset ?? 0, length: 0,
                                       reason: "the segment's footer cannot be read: \(error.message)"))
            return out
        }
        for (i, b) in footer.blocks.enumerated()
        where b.maxSequence >= low && b.minSequence <= high && b.levelMask & predicate.levelMask != 0
            && predicate.timeOverlaps(min: b.minTimestamp, max: b.maxTimestamp) {
            let lost = { (why: String) in
                DamageReport(file: file, offset: Int(b.offset), length: b.diskLength,
                             reason: "block \(i) (sequences \(b.minSequence)…\(b.maxSequence)) cannot be read: \(why)",
                             records: Int(b.recordCount))
            }
            let block: DecodedBlock
            let rows: [Int]
            do throws(LogStoreError) {
                block = try segment.readBlock(i)
            } catch {
                damage.append(lost(error.message))
                continue
            }
            do throws(FormatError) {
                rows = try predicate.matchingRows(block)
            } catch {
                damage.append(lost(error.reason))
                continue
            }
            for r in rows where (low...high).contains(block.sequences[r]) {
                do throws(FormatError) {
                    out.append(try block.record(r))
                } catch {
                    damage.append(DamageReport(file: file, offset: Int(b.offset), length: b.diskLength,
                                               reason: "record \(block.sequences[r]) of block \(i) does not decode: \(error.reason)",
                                               records: 1))
                }
            }
        }
        return out
    }

    /// Hands `damage` to the consumer (counted by the buffer).
    private func report(_ damage: DamageReport) {
        if !buffer.push(.damaged(damage)) { stopped = true }
    }

    private func emit(_ record: LogRecord) {
        guard buffer.push(.record(record)) else {
            stopped = true
            return
        }
        if let r = remaining {
            remaining = r - 1
            if r <= 1 { stopped = true }
        }
    }

    // MARK: Files

    private func path(_ number: UInt64) -> String { joinPath(walDirectory, WALFormat.fileName(number)) }

    private func walNumbers() throws(LogStoreError) -> [UInt64] {
        guard io.exists(walDirectory) else { return [] }
        do throws(LogStoreError) {
            return try LogStore.listWAL(walDirectory, io: io)
        } catch {
            if error.code == ENOENT { return [] }
            throw error
        }
    }
}

/// Which file a path or descriptor names (device and inode), to notice a WAL file number reused by
/// a new writer after the old file was deleted.
struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64
}

func identity(ofPath path: String) -> FileIdentity? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
}

func identity(ofDescriptor fd: Int32) -> FileIdentity? {
    var st = stat()
    guard fstat(fd, &st) == 0 else { return nil }
    return FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
}
