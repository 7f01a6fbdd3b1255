import LogStoreIngest

/// Something the tailer reports while it runs; none of these stops it.
public enum TailEvent: Sendable, CustomStringConvertible {
    /// A line that could not be parsed (it is skipped; the lines around it are stored).
    case badLine(path: String, error: LineError)
    /// Started following `path` at `offset` (0: from its beginning).
    case following(path: String, offset: Int64, identity: FileIdentity)
    /// Resuming a file that was rotated away from `path` while the tailer was stopped, at `rotatedPath`.
    case resumingRotated(path: String, rotatedPath: String, offset: Int64)
    /// A file rotated away from `path` after the stored one, while the tailer was stopped: read next, from
    /// its beginning.
    case queuedRotated(path: String, rotatedPath: String)
    /// The stored position could not be used (the file is gone, shorter, or its first bytes changed):
    /// `path` is read from its beginning.
    case startingOver(path: String, reason: String)
    /// The file that was at `path` was renamed or deleted; it was read to its end (`offset`).
    case rotated(path: String, finishedAt: Int64)
    /// The file at `path` became shorter than what was read (copytruncate) or its first bytes changed:
    /// it is read again from its beginning.
    case truncated(path: String, from: Int64, to: Int64)
    /// Reading failed (the file is tried again at the next change).
    case readFailed(path: String, reason: String)
    /// A new file matching a pattern appeared.
    case discovered(path: String)
    /// The file followed at `path` was renamed to `to`, another followed path, whose follower continues
    /// it from `offset` (it is not read again from its beginning).
    case handedOver(path: String, to: String, offset: Int64)
    /// The file at `path` was truncated (copytruncate); the lines not yet read are read from `copy`, a
    /// file beginning with the same bytes, from `offset`.
    case readingCopy(path: String, copy: String, offset: Int64)
    /// Bytes of `path` known to exist after the stored position that can no longer be read anywhere
    /// (the file was truncated without a copy, compressed or deleted while unread): they are not stored.
    case lost(path: String, bytes: Int64, reason: String)

    public var description: String {
        switch self {
        case .badLine(let path, let e): "\(path):\(e.line):\(e.column): \(e.reason)"
        case .following(let path, let offset, let id):
            offset == 0 ? "following \(path) (\(id)) from its beginning" : "following \(path) (\(id)) from byte \(offset)"
        case .resumingRotated(let path, let rotated, let offset):
            "finishing \(rotated) (rotated away from \(path) while stopped) from byte \(offset)"
        case .queuedRotated(let path, let rotated):
            "then \(rotated) (also rotated away from \(path) while stopped) from its beginning"
        case .startingOver(let path, let reason): "reading \(path) from its beginning: \(reason)"
        case .rotated(let path, let end): "\(path) was rotated; read the old file to its end (byte \(end))"
        case .truncated(let path, let from, let to):
            "\(path) was truncated or rewritten (\(from) bytes read, now \(to)); reading it from its beginning"
        case .readFailed(let path, let reason): "reading \(path) failed: \(reason)"
        case .discovered(let path): "new file \(path) matches a followed pattern"
        case .handedOver(let path, let to, let offset):
            "the file at \(path) was renamed to \(to), also followed: continuing it there from byte \(offset)"
        case .readingCopy(let path, let copy, let offset):
            "\(path) was truncated; reading the lines not yet stored from its copy \(copy) from byte \(offset)"
        case .lost(let path, let bytes, let reason):
            "LOST: at least \(bytes) bytes of \(path) after its stored position cannot be read (\(reason)); they are not stored"
        }
    }
}
