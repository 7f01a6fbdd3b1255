#if canImport(Glibc)
import Glibc
#endif
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
    private let format: LineFormat
    private let options: LineParserOptions
    private(set) var file: OpenFile?
    /// Files that appeared at the path after `file`, oldest first, each to be read from byte 0.
    private var successors: [OpenFile] = []
    /// A position to store even without records (the file changed under the tailer).
    private var positionMoved = false
    /// When the open file was first seen renamed or deleted away from the path (nil: it was not).
    private var rotatedSeenAt: Double?

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

    /// Opens the file to follow from the stored position `stored` (a checkpoint value, nil if none):
    /// the file at the path if it is the stored one; else the stored file under another name among
    /// `candidates()`, finished first, then the siblings modified after it (rotated after it while the
    /// tailer was stopped), oldest first, from their beginning; else the file at the path from its
    /// beginning.
    func resume(from stored: [UInt8]?, candidates: () -> RotatedCandidates, now: Double,
                events: inout [TailEvent]) throws(TailError) {
        guard let stored, !stored.isEmpty else {
            openAtPath(now: now, events: &events)
            return
        }
        let position: TailPosition
        switch TailPosition.decode(stored) {
        case .success(let p): position = p
        case .failure(let e):
            throw TailError(message: "the stored position of \(path) (checkpoint \(checkpointName)) cannot be used: \(e.reason)")
        }
        if let current = OpenFile.open(path, format: format, options: options, now: now), current.accepts(position) {
            current.resume(at: position)
            file = current
            events.append(.following(path: path, offset: position.offset, identity: current.identity))
            return
        }
        let found = candidates()
        for candidate in found.all where FileStatus.of(path: candidate)?.identity == position.identity {
            if let old = OpenFile.open(candidate, format: format, options: options, now: now), old.accepts(position) {
                old.resume(at: position)
                file = old
                events.append(.resumingRotated(path: path, rotatedPath: candidate, offset: position.offset))
                queueRotatedAfter(old, siblings: found.siblings, now: now, events: &events)
                return
            }
        }
        let status = FileStatus.of(path: path)
        let reason = status?.identity == position.identity
            ? "it is shorter than the stored position (\(position.offset) bytes) or its first bytes changed"
            : "the file stored (\(position.identity)) is no longer there"
        if status != nil { events.append(.startingOver(path: path, reason: reason)) }
        openAtPath(now: now, events: &events)
        positionMoved = file != nil
    }

    /// Queues the siblings modified after `old` (files rotated after it while the tailer was stopped),
    /// oldest first, to be read after it and before the file at the path.
    private func queueRotatedAfter(_ old: OpenFile, siblings: [String], now: Double, events: inout [TailEvent]) {
        guard let oldModified = FileStatus.of(fd: old.fd)?.modified else { return }
        let current = FileStatus.of(path: path)?.identity
        var newer: [(modified: Int64, file: OpenFile)] = []
        for sibling in siblings where !RotatedCandidates.isCompressed(sibling) {
            guard let status = FileStatus.of(path: sibling), status.isRegular, status.modified > oldModified,
                  status.identity != old.identity, status.identity != current,
                  !newer.contains(where: { $0.file.identity == status.identity }),
                  let opened = OpenFile.open(sibling, format: format, options: options, now: now) else { continue }
            newer.append((status.modified, opened))
        }
        for (_, file) in newer.sorted(by: { $0.modified < $1.modified }) {
            successors.append(file)
            events.append(.queuedRotated(path: path, rotatedPath: file.openedAs))
        }
    }

    /// Does at most one read of up to `limit` bytes, or one change of file. Returns the batch to store,
    /// nil if nothing changed.
    /// Rows go to `rows` (which the caller empties after storing them).
    /// `rotateWait`: how long a file rotated away is still read after the rotation was seen and after
    /// its last growth, before the tailer moves on (0: at once, once it is read to its end).
    func step(limit: Int, buffer: inout [UInt8], rows: inout EncodedRows, now: Double, holdTimeout: Double,
              rotateWait: Double = 0, events: inout [TailEvent]) -> TailBatch? {
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
           let next = OpenFile.open(path, format: format, options: options, now: now), next.identity != file.identity {
            successors.append(next)
        }
        let rotatedAway = !successors.isEmpty || atPath?.identity != file.identity
        guard let size = file.size else {
            events.append(.readFailed(path: file.openedAs, reason: "fstat failed"))
            return nil
        }
        if file.wasRewritten(size: size) {
            events.append(.truncated(path: file.openedAs, from: file.readOffset, to: size))
            file.restart()
            positionMoved = true
        }
        let available = size - file.readOffset
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
        if rotatedAway {
            // Late lines: the writer may still have the rotated file open (see the type's comment).
            let seen = rotatedSeenAt ?? now
            rotatedSeenAt = seen
            if now - max(seen, file.lastReadAt) < rotateWait {
                if now - file.lastReadAt >= holdTimeout, file.flushHeldRecord(rows: &rows) { return finishBatch(batch, file) }
                return positionMoved ? finishBatch(batch, file) : nil
            }
            rotatedSeenAt = nil
            file.finish(rows: &rows, errors: &batch.errors)
            events.append(.rotated(path: path, finishedAt: file.readOffset))
            let finished = file.position
            self.file = nil
            if successors.isEmpty {
                openAtPath(now: now, events: &events)
            } else {
                let next = successors.removeFirst()
                self.file = next
                events.append(.following(path: path, offset: 0, identity: next.identity))
            }
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

    /// Opens the file at the path, from its beginning, if there is one.
    private func openAtPath(now: Double, events: inout [TailEvent]) {
        guard let opened = OpenFile.open(path, format: format, options: options, now: now) else { return }
        file = opened
        events.append(.following(path: path, offset: 0, identity: opened.identity))
    }
}

/// A condition that stops the tailer, with what to do about it.
public struct TailError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
