import Glibc

/// What names one file on a machine while it exists: its device and inode numbers.
///
/// A rename keeps the identity (rotation by rename moves the followed file to another name); a new file
/// at the same path has another one. The kernel may give a deleted file's inode to a new file, so an
/// identity read from a checkpoint is confirmed with a ``Fingerprint`` before it is trusted.
public struct FileIdentity: Sendable, Hashable, CustomStringConvertible {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    public var description: String { "dev \(device) inode \(inode)" }
}

/// Identity and size of a file, from `stat(2)` or `fstat(2)`.
struct FileStatus: Sendable, Equatable {
    var identity: FileIdentity
    var size: Int64
    var isRegular: Bool
    /// Names the file has (0: deleted, kept alive by open descriptors).
    var links: UInt64
    /// Last modification, nanoseconds since the epoch.
    var modified: Int64

    /// The status of the file `path` names (symbolic links followed), nil if there is none.
    static func of(path: String) -> FileStatus? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileStatus(st)
    }

    /// The status of an open file, nil if `fstat` fails.
    static func of(fd: Int32) -> FileStatus? {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        return FileStatus(st)
    }

    private init(_ st: stat) {
        identity = FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
        size = Int64(st.st_size)
        isRegular = (st.st_mode & S_IFMT) == S_IFREG
        links = UInt64(st.st_nlink)
        modified = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
    }
}
