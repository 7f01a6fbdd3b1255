import Glibc
import LogStore
import LogStoreIngest

/// One followed path and the file read under it: handles growth, rotation by rename, delete and
/// recreate, truncation (copytruncate) and shrinking, one bounded step at a time.
///
/// Rules, applied at every step:
/// - The path is looked up (`stat`) before the open file is measured (`fstat`), so when the path no
///   longer names the open file (renamed or deleted), every byte written to it before that is within
///   the size measured: the old file is read to that end, its unterminated last line taken as a line,
///   then the file now at the path (if any) is followed from byte 0. The position stored with the last
///   records of the old file is already the new file's byte 0.
/// - A file that appears at the path while another is still being read is opened at once (kept in
///   `successors`), so that further rotations before the tailer gets to it cannot hide it; files are
///   read in the order they appeared.
/// - A file shorter than what was read, or whose first bytes (``Fingerprint``) changed, was truncated or
///   rewritten: it is read again from byte 0, and what the parser held from before is dropped.
/// - A file renamed or deleted away from the path is still read for `rotateWait` after that was
///   seen (and after its last growth): a writer keeps writing to the file it has open until it
///   reopens the path (logrotate's `postrotate` signal), and those lines must not be lost. The file
///   at the path waits meanwhile; its lines are read next.
/// - A partial last line is held (not stored, not covered by the position) until its newline arrives;
///   a text record that may continue is held until the next line or until the file is idle for
///   `holdTimeout`.
final class FollowedFile {
    /// The path as given or matched (used in messages and as the default source).
    let path: String
    /// `tail:` + the absolute path.
    let checkpointName: String
    let format: LineFormat
    let options: LineParserOptions
    var file: OpenFile?
    /// Files that appeared at the path after `file`, oldest first, each to be read from byte 0.
    var successors: [OpenFile] = []
    /// A position to store even without records (the file changed under the tailer).
    var positionMoved = false
    /// When the open file was first seen renamed or deleted away from the path (nil: it was not).
    private var rotatedSeenAt: Double?
    /// Whether a file just opened is known to another follower of the tailer (held by it, or read to its
    /// end and finished there): it is then not read here, so no file is read twice (set by the tailer).
    var isKnownElsewhere: (OpenFile) -> Bool = { _ in false }
    /// Told of a file read to its end and closed after it was rotated away (set by the tailer).
    var finishedFile: ((OpenFile, TailPosition) -> Void)?
    /// Offers a file rotated away from the path to the follower of the path it now has, which continues
    /// it at its position; returns that follower's checkpoint (stored in the same frame), nil if no
    /// follower takes it (set by the tailer).
    var handOver: (OpenFile) -> Checkpoint? = { _ in nil }
    /// Whether no file is open or queued (a handed-over file may be given to this follower).
    var isIdle: Bool { file == nil && successors.isEmpty }

    /// Whether the open file was rotated away and is still read for late lines (``step``'s `rotateWait`).
    var isDrainingRotated: Bool { rotatedSeenAt != nil }

    init(path: String, absolutePath: String, format: LineFormat, options: LineParserOptions) {
        self.path = path
        checkpointName = TailPosition.checkpointName(for: absolutePath)
        self.format = format
        var options = options
        if options.source.isEmpty { options.source = path }
        self.options = options
    }

    /// Does at most one read of up to `limit` bytes, or one change of file. Returns the batch to store,
    /// nil if nothing changed.
    /// Rows go to `rows` (which the caller empties after storing them).
    /// `rotateWait`: how long a file rotated away is still read after the rotation was seen and after
    /// its last growth, before the tailer moves on (0: at once, once it is read to its end).
    /// `pieces`: a file behind by more than two reads is read `pieces` reads at a time, parsed on as
    /// many threads (NDJSON and logfmt; 1: never).
    func step(limit: Int, buffer: inout [UInt8], rows: inout EncodedRows, now: Double, holdTimeout: Double,
              rotateWait: Double = 0, pieces: Int = 1, events: inout [TailEvent]) -> TailBatch? {
        var batch = TailBatch(checkpointName: checkpointName)
        if file == nil {
            openAtPath(now: now, events: &events)
            positionMoved = positionMoved || file != nil
        }
        guard let file else { return nil }
        // The path first, then the file's size: see the type's comment.
        let atPath = FileStatus.of(path: path)
        if let atPath, atPath.isRegular, atPath.identity != file.identity,
           !successors.contains(where: { $0.identity == atPath.identity }),
           let next = OpenFile.open(path, format: format, options: options, now: now), next.identity != file.identity,
           !isKnownElsewhere(next) {
            // Its first bytes now: a truncation before its turn (copytruncate again) is then noticed.
            next.queue()
            successors.append(next)
        }
        let rotatedAway = !successors.isEmpty || atPath?.identity != file.identity
        let before = file.position
        let previousSize = file.seenSize
        guard let size = file.measure() else {
            events.append(.readFailed(path: file.openedAs, reason: "fstat failed"))
            return nil
        }
        if file.wasRewritten(size: size, previousSize: previousSize) {
            events.append(.truncated(path: file.openedAs, from: file.readOffset, to: size))
            // Copytruncate: the lines not read yet are in the copy, found by the first bytes read.
            // The copy holds the last bytes read; if the read raced the truncation (it read new bytes), by
            // the first bytes alone.
            let copy = findCopy(of: before, besides: file.openedAs, now: now, edge: (file.readEdge, file.readOffset))
                ?? findCopy(of: before, besides: file.openedAs, now: now, edge: (.empty, 0))
            if copy == nil { reportLost(before, at: file.openedAs, reason: "it was truncated and no copy of it was found", events: &events) }
            file.restart()
            if copy != nil { file.queue() }
            positionMoved = true
            if let copy {
                events.append(.readingCopy(path: file.openedAs, copy: copy.openedAs, offset: copy.readOffset))
                successors.insert(file, at: 0)
                self.file = copy
                return finishBatch(batch, copy)
            }
        }
        let available = size - file.readOffset
        if pieces > 1, available > Int64(2 * limit), file.canReadInParallel,
           let read = file.readInParallel(limit: limit, pieces: pieces, buffer: &buffer, size: size, now: now),
           var first = read.pieces.first {
            // Rows and errors of the first piece go where a plain read puts them; the others follow.
            swap(&rows, &first.rows)
            batch.errors = read.pieces.flatMap(\.errors)
            batch.followingPieces = Array(read.pieces.dropFirst())
            batch.bytesRead = read.bytes
            batch.position = first.position
            positionMoved = false
            return batch
        }
        if available > 0 {
            let n = file.read(limit: Int(min(available, Int64(limit))), buffer: &buffer, rows: &rows,
                              errors: &batch.errors, now: now)
            if n > 0 {
                batch.bytesRead = n
                return finishBatch(batch, file)
            }
            if n < 0 {
                // Tried again at the next wake; a rotated file is not finished with bytes left unread.
                events.append(.readFailed(path: file.openedAs, reason: String(cString: strerror(errno))))
                return nil
            }
        }
        if rotatedAway, !file.isStaticCopy, let taken = handOver(file) {
            // Renamed to another followed path: its follower continues it (and reads its late lines).
            rotatedSeenAt = nil
            events.append(.handedOver(path: path, to: String(taken.name.dropFirst(5)), offset: file.position.offset))
            self.file = nil
            nextFile(now: now, events: &events)
            positionMoved = false
            batch.position = self.file?.position
            batch.alsoStored.append(taken)
            return batch
        }
        if rotatedAway {
            // Late lines: the writer may still have the rotated file open (see the type's comment).
            let seen = rotatedSeenAt ?? now
            rotatedSeenAt = seen
            if !file.isStaticCopy, now - max(seen, file.lastReadAt) < rotateWait {
                if now - file.lastReadAt >= holdTimeout, file.flushHeldRecord(rows: &rows) { return finishBatch(batch, file) }
                return positionMoved ? finishBatch(batch, file) : nil
            }
            rotatedSeenAt = nil
            file.finish(rows: &rows, errors: &batch.errors)
            events.append(.rotated(path: path, finishedAt: file.readOffset))
            let finished = file.position
            finishedFile?(file, finished)
            self.file = nil
            nextFile(now: now, events: &events)
            positionMoved = false
            batch.position = self.file?.position ?? finished
            return batch
        }
        if now - file.lastReadAt >= holdTimeout, file.flushHeldRecord(rows: &rows) {
            return finishBatch(batch, file)
        }
        if positionMoved { return finishBatch(batch, file) }
        return nil
    }

    private func finishBatch(_ batch: TailBatch, _ file: OpenFile) -> TailBatch {
        var batch = batch
        batch.position = file.position
        positionMoved = false
        return batch
    }

    /// Makes the next queued file (or else the file at the path) the one read.
    private func nextFile(now: Double, events: inout [TailEvent]) {
        if successors.isEmpty {
            openAtPath(now: now, events: &events)
        } else {
            let next = successors.removeFirst()
            // Its first bytes as far as it has them now: a position stored before its first read still
            // identifies it (renamed, compressed or copied and truncated before that read).
            next.extendFingerprint()
            file = next
            events.append(.following(path: path, offset: next.readOffset, identity: next.identity))
        }
    }

    /// Opens the file at the path, from its beginning, if there is one and no other follower knows it.
    func openAtPath(now: Double, events: inout [TailEvent]) {
        guard let opened = OpenFile.open(path, format: format, options: options, now: now),
              !isKnownElsewhere(opened) else { return }
        opened.extendFingerprint()
        file = opened
        events.append(.following(path: path, offset: 0, identity: opened.identity))
    }

    /// Takes a file rotated to this path from another follower, continuing at its position.
    func adopt(_ other: OpenFile) {
        file = other
        positionMoved = false
    }
}

/// A condition that stops the tailer, with what to do about it.
public struct TailError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
