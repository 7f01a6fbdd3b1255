import Glibc
import LogStore
import LogStoreIngest

/// Resuming from a stored position, and finding a file's lines under other names (a rotated name, a
/// copytruncate copy).
extension FollowedFile {
    /// Opens the file to follow from the stored position `stored` (a checkpoint value, nil if none):
    /// the file at the path if it is the stored one; else the stored file under another name among
    /// `candidates()` (every file of the followed directories), finished first, then the siblings
    /// modified after it (rotated after it while the tailer was stopped), oldest first, from their
    /// beginning; else, if the stored file was truncated (copytruncate), its copy from the stored
    /// offset; then the file at the path from its beginning. Bytes that can no longer be read anywhere
    /// are reported (``TailEvent/lost(path:bytes:reason:)``).
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
        let found = candidates()
        if let current = OpenFile.open(path, format: format, options: options, now: now), current.accepts(position),
           !isKnownElsewhere(current) {
            if let copy = copyBeforeTruncation(of: current, at: position, siblings: found.siblings, now: now) {
                // Copied and truncated while stopped, and rewritten beginning with the same bytes.
                file = copy
                events.append(.readingCopy(path: path, copy: copy.openedAs, offset: position.offset))
                queueRotatedAfter(copy, modifiedAfter: nil, siblings: found.siblings, now: now, events: &events)
                current.restart()
                current.queue()
                successors.append(current)
                positionMoved = true
                return
            }
            current.resume(at: position)
            file = current
            events.append(.following(path: path, offset: position.offset, identity: current.identity))
            return
        }
        var foundRewritten: String?
        for candidate in [path] + found.all where FileStatus.of(path: candidate)?.identity == position.identity {
            // A position stored while a decompressed `.gz` was read names the `.gz` file.
            let opened = GzipFile.isGzip(candidate)
                ? OpenFile.openGzip(candidate, keepFrom: position.offset, format: format, options: options, now: now)
                : OpenFile.open(candidate, format: format, options: options, now: now)
            guard let old = opened, !isKnownElsewhere(old) else { continue }
            guard old.accepts(position) else {
                foundRewritten = candidate
                continue
            }
            old.resume(at: position)
            file = old
            events.append(.resumingRotated(path: path, rotatedPath: candidate, offset: position.offset))
            queueRotatedAfter(old, modifiedAfter: position.modified, siblings: found.siblings, now: now, events: &events)
            // The file at the path now is opened at once: if it is rotated away before the first step, the
            // descriptor still reads it (the siblings were listed before).
            if let current = OpenFile.open(path, format: format, options: options, now: now), !isKnownElsewhere(current),
               current.identity != old.identity, !successors.contains(where: { $0.identity == current.identity }) {
                current.queue()
                successors.append(current)
            }
            return
        }
        if let rewritten = foundRewritten, let copy = findCopy(of: position, besides: rewritten, now: now) {
            // Truncated while the tailer was stopped (copytruncate): the rest is in the copy.
            file = copy
            events.append(.readingCopy(path: rewritten, copy: copy.openedAs, offset: position.offset))
            // Copies made by later truncations, oldest first, then the file at the path.
            queueRotatedAfter(copy, modifiedAfter: nil, siblings: found.siblings, now: now, events: &events)
            if let current = OpenFile.open(path, format: format, options: options, now: now), !isKnownElsewhere(current),
               current.identity != copy.identity, !successors.contains(where: { $0.identity == current.identity }) {
                current.queue()
                successors.append(current)
            }
            positionMoved = true
            return
        }
        if let copy = findGzipCopy(of: position, siblings: found.siblings, now: now) {
            // Rotated (or copied), then compressed while the tailer was stopped: the rest is in the `.gz`.
            // (Its inode may already name another file: gzip deleted the original.)
            file = copy
            events.append(.readingCopy(path: foundRewritten ?? path, copy: copy.openedAs, offset: position.offset))
            queueRotatedAfter(copy, modifiedAfter: nil, siblings: found.siblings, now: now, events: &events)
            if let current = OpenFile.open(path, format: format, options: options, now: now), !isKnownElsewhere(current),
               !successors.contains(where: { $0.identity == current.identity }) {
                current.extendFingerprint()
                successors.append(current)
            }
            positionMoved = true
            return
        }
        let reason = foundRewritten != nil
            ? "it is shorter than the stored position (\(position.offset) bytes) or its first bytes changed"
            : "the file stored (\(position.identity)) is no longer there"
        reportLost(position, at: foundRewritten ?? path,
                   reason: foundRewritten != nil ? "it was truncated or rewritten, or its inode now names another file" : "it is gone",
                   events: &events)
        if let modified = position.modified {
            queueRotatedAfter(nil, modifiedAfter: modified, siblings: found.siblings, now: now,
                              excluding: position.fingerprint, events: &events)
        }
        if FileStatus.of(path: path) != nil { events.append(.startingOver(path: path, reason: reason)) }
        if successors.isEmpty {
            openAtPath(now: now, events: &events)
        } else {
            file = successors.removeFirst()
            if let current = OpenFile.open(path, format: format, options: options, now: now), !isKnownElsewhere(current),
               !successors.contains(where: { $0.identity == current.identity }), current.identity != file?.identity {
                current.queue()
                successors.append(current)
            }
        }
        positionMoved = file != nil
    }

    /// Queues the siblings modified after `old` (or after `modifiedAfter`, the stored file's time when
    /// it is gone): files rotated after it while the tailer was stopped, oldest first, to be read after
    /// it and before the file at the path.
    /// `excluding`: the fingerprint of a stored file reported lost (its `.gz` is not read from its beginning).
    func queueRotatedAfter(_ old: OpenFile?, modifiedAfter: Int64?, siblings: [String], now: Double,
                           excluding: Fingerprint? = nil, events: inout [TailEvent]) {
        guard let oldModified = old.flatMap({ $0.modified }) ?? modifiedAfter else { return }
        let current = FileStatus.of(path: path)?.identity
        var newer: [(modified: Int64, file: OpenFile)] = []
        for sibling in siblings where !RotatedCandidates.isCompressed(sibling) {
            guard let status = FileStatus.of(path: sibling), status.isRegular, status.modified > oldModified,
                  status.identity != old?.identity, status.identity != current,
                  !newer.contains(where: { $0.file.identity == status.identity }),
                  let opened = OpenFile.open(sibling, format: format, options: options, now: now),
                  !isKnownElsewhere(opened) else { continue }
            newer.append((status.modified, opened))
        }
        // Rotated and compressed (gzip) while stopped: read decompressed, unless an uncompressed one is the same file.
        let atPath = OpenFile.open(path, format: format, options: options, now: now)
        newer += gzipSiblings(modifiedAfter: oldModified, siblings: siblings,
                              chosen: newer.map(\.file) + [old, atPath].compactMap { $0 } + successors,
                              excluding: excluding, now: now)
        for (_, file) in newer.sorted(by: { $0.modified < $1.modified }) {
            successors.append(file)
            events.append(.queuedRotated(path: path, rotatedPath: file.openedAs))
        }
    }

    /// The copy of a truncated file (copytruncate): another file of the same directory, not followed
    /// elsewhere, at least `position.offset` long, beginning with the bytes `position` was fingerprinted
    /// with and holding the bytes `edge` was taken of just before `edgeOffset` (the position's own edge
    /// by default; while running, the last bytes read); opened at `position` to be read to its end.
    /// Among several (first bytes and edge only cover a header every file begins with), the earliest
    /// modified at or after the position's time is the copy of the content the position is in (copies of
    /// earlier content were made before it, of later content after it); without that time, the most
    /// recently modified one.
    func findCopy(of position: TailPosition, besides truncated: String, now: Double,
                  edge: (fingerprint: Fingerprint, before: Int64)? = nil, among names: [String]? = nil) -> OpenFile? {
        let edge = edge ?? (position.edge, position.offset)
        guard position.fingerprint.length > 0 else { return nil }
        let dir = PathPatterns.directory(of: truncated)
        var best: (modified: Int64, file: OpenFile)?
        func better(_ modified: Int64) -> Bool {
            guard let best else { return true }
            guard let after = position.modified else { return modified > best.modified }
            if (modified >= after) != (best.modified >= after) { return modified >= after }
            return modified >= after ? modified < best.modified : modified > best.modified
        }
        for entry in names ?? PathPatterns.entries(of: dir) where entry != truncated {
            guard let status = FileStatus.of(path: entry), status.isRegular, status.identity != position.identity,
                  status.size >= position.offset, better(status.modified),
                  let opened = OpenFile.open(entry, format: format, options: options, now: now),
                  position.fingerprint.matches(fd: opened.fd), edge.fingerprint.matchesEdge(fd: opened.fd, before: edge.before),
                  !isKnownElsewhere(opened) else { continue }
            best = (status.modified, opened)
        }
        guard let copy = best?.file else { return nil }
        copy.resume(at: TailPosition(identity: copy.identity, offset: position.offset, lineNumber: position.lineNumber,
                                     fingerprint: position.fingerprint))
        copy.isStaticCopy = true
        return copy
    }

    /// A copy of `current` (among `siblings`: rotated names, as logrotate names its copies) made after `position` was stored, whose bytes after the position differ from
    /// the file's: the file was copied, truncated and rewritten (copytruncate) while the tailer was
    /// stopped, and its new content begins with the same bytes up to the position (a common header), so
    /// neither its first bytes nor the edge tell. Nil when no such copy is there.
    func copyBeforeTruncation(of current: OpenFile, at position: TailPosition, siblings: [String], now: Double) -> OpenFile? {
        guard position.offset > 0, let modified = position.modified,
              let copy = findCopy(of: position, besides: current.openedAs, now: now, among: siblings) else { return nil }
        guard let copyStatus = FileStatus.of(fd: copy.fd), copyStatus.modified > modified,
              let size = current.size, copyStatus.size > position.offset else { return nil }
        let length = Int(min(Int64(Fingerprint.edgeLength), copyStatus.size - position.offset, max(0, size - position.offset)))
        // The file may not have grown past the position yet: then a copy with more bytes is the evidence.
        if length == 0 { return size <= position.offset && copyStatus.size > size ? copy : nil }
        let inCopy = Fingerprint.read(fd: copy.fd, at: position.offset, length: length)
        let inFile = Fingerprint.read(fd: current.fd, at: position.offset, length: length)
        return inCopy != inFile ? copy : nil
    }

    /// Reports the bytes known to exist after the position that can no longer be read.
    func reportLost(_ position: TailPosition, at name: String, reason: String, events: inout [TailEvent]) {
        let bytes = position.size - position.offset
        guard bytes > 0 else { return }
        events.append(.lost(path: name, bytes: bytes, reason: reason))
    }
}
