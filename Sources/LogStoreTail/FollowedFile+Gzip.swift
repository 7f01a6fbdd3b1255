import LogStore
import LogStoreIngest

/// Rotated files compressed with gzip while the tailer was stopped (logrotate's `compress`): the stored
/// file, gone under its own name, is found as a `.gz` sibling by the fingerprint of its decompressed
/// first bytes and read from the stored offset; files rotated and compressed after it are read whole.
extension FollowedFile {
    /// The `.gz` sibling that holds the stored file compressed: its decompressed stream is complete, at
    /// least `position.offset` long, begins with the fingerprinted bytes and has the position's edge
    /// before the offset. Opened at the position, to be read to its end. The most recently modified
    /// one wins (gzip keeps the original's time).
    func findGzipCopy(of position: TailPosition, siblings: [String], now: Double) -> OpenFile? {
        guard position.fingerprint.length > 0 else { return nil }
        var best: (modified: Int64, path: String)?
        for sibling in siblings where GzipFile.isGzip(sibling) {
            guard let status = FileStatus.of(path: sibling), status.isRegular,
                  best.map({ status.modified > $0.modified }) ?? true,
                  case .success(let first) = GzipFile.prefix(of: sibling, length: position.fingerprint.length),
                  Fingerprint(of: first) == position.fingerprint else { continue }
            best = (status.modified, sibling)
        }
        guard let best, let copy = OpenFile.openGzip(best.path, keepFrom: position.offset, format: format, options: options, now: now),
              !isKnownElsewhere(copy) else { return nil }
        var there = position
        there.identity = copy.identity
        guard copy.accepts(there) else { return nil }
        copy.resume(at: there)
        return copy
    }

    /// The `.gz` siblings modified after `oldModified`, complete, each opened decompressed from its
    /// beginning, unless a file already chosen (`chosen`, or an uncompressed sibling) begins with the
    /// same bytes: gzip writes the `.gz` before it deletes the original, so both may be there.
    /// `excluding`: the fingerprint of a stored file whose rest could not be read: its `.gz` is skipped.
    func gzipSiblings(modifiedAfter oldModified: Int64, siblings: [String], chosen: [OpenFile], excluding: Fingerprint?,
                      now: Double) -> [(modified: Int64, file: OpenFile)] {
        var out: [(modified: Int64, file: OpenFile)] = []
        for sibling in siblings where GzipFile.isGzip(sibling) {
            guard let status = FileStatus.of(path: sibling), status.isRegular, status.modified > oldModified,
                  !chosen.contains(where: { $0.identity == status.identity }),
                  let opened = OpenFile.openGzip(sibling, keepFrom: 0, format: format, options: options, now: now),
                  !isKnownElsewhere(opened) else { continue }
            let length = Int(min(opened.size ?? 0, Int64(Fingerprint.maxLength)))
            let first = Fingerprint.read(fd: opened.fd, length: length)
            let duplicate = chosen.contains { other in
                other.size.map { $0 >= Int64(length) } == true && Fingerprint.read(fd: other.fd, length: length) == first
            }
            let excluded = excluding.map { $0.length > 0 && $0.matches(fd: opened.fd) } ?? false
            if !duplicate && !excluded { out.append((status.modified, opened)) }
        }
        return out
    }
}
