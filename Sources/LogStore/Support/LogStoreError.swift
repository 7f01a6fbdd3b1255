import Glibc
import LogStoreFormat

/// The one error type of LogStore: what happened, where, and what to do about it.
public struct LogStoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Kind: Sendable, Equatable {
        /// A system call failed (`errno` in ``code``). Retry after fixing the cause (disk space, permissions).
        case io
        /// Bytes on disk are damaged or not what the format requires. Run `logstore verify`.
        case corruption
        /// The file was written by a format version this build does not read.
        case unsupportedVersion
        /// Another process holds the store's write lock (its pid in ``holderPID``).
        case locked
        /// The store was opened read-only and cannot be written.
        case readOnly
        /// The store is closed, or closing.
        case closed
        /// An argument or option is invalid.
        case invalidArgument
        /// The store directory does not exist (opening without `create`).
        case notFound
        /// An earlier write or sync failed; the store refuses writes it could not make durable.
        case writeFailed
    }

    /// What kind of failure this is.
    public var kind: Kind
    /// A sentence saying what happened and what to do.
    public var message: String
    /// The file concerned, when there is one.
    public var path: String?
    /// The byte offset in ``path`` where the problem was found, when known.
    public var offset: Int?
    /// The `errno` of a failed system call.
    public var code: Int32?
    /// The pid of the process holding the write lock, for ``Kind/locked``.
    public var holderPID: Int32?

    /// An error of `kind` with a message that says what happened and what to do.
    public init(_ kind: Kind, _ message: String, path: String? = nil, offset: Int? = nil,
                code: Int32? = nil, holderPID: Int32? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
        self.offset = offset
        self.code = code
        self.holderPID = holderPID
    }

    /// The message, followed by the file and offset when known.
    public var description: String {
        var s = message
        if let path { s += " [\(path)" + (offset.map { " at byte \($0)" } ?? "") + "]" }
        return s
    }

    static func io(_ operation: String, path: String, code: Int32 = errno) -> LogStoreError {
        let reason = String(cString: strerror(code))
        var advice = ""
        switch code {
        case ENOSPC: advice = "; free disk space or lower the retention, then retry"
        case EACCES, EPERM: advice = "; check the permissions of the store directory"
        case EROFS: advice = "; the file system is read-only"
        case EIO: advice = "; the device reported an I/O error, check the disk"
        default: break
        }
        return LogStoreError(.io, "\(operation) failed: \(reason)\(advice)", path: path, code: code)
    }

    static func corruption(_ reason: String, path: String, offset: Int?) -> LogStoreError {
        LogStoreError(.corruption, "\(reason); run `logstore verify` for a full report", path: path, offset: offset)
    }

    /// Maps a decoder's ``FormatError`` found in `path` at `base` + its offset.
    static func format(_ error: FormatError, path: String, base: Int) -> LogStoreError {
        if error.isUnsupportedVersion {
            return LogStoreError(.unsupportedVersion, "\(error.reason); open it with a newer LogStore", path: path, offset: base + error.offset)
        }
        return corruption(error.reason, path: path, offset: base + error.offset)
    }
}
