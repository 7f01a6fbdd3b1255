import Glibc

/// A file the CLI writes its output to (`export -o`, `verify --salvage FILE`): the one owner of its
/// descriptor (docs/DESIGN.md, "Descriptors"). ``finish()`` syncs and closes it, reporting failure;
/// if a command fails before that, `deinit` closes it. Either way it is closed exactly once.
final class OutputFile {
    let fd: Int32
    let path: String
    private var closed = false

    /// Creates `path` for writing; `exclusive` refuses an existing file (O_EXCL), else it is truncated.
    init(creating path: String, exclusive: Bool) throws {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC)
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw CLIFailure.data("logstore: cannot create \(path): \(String(cString: strerror(errno)))") }
        self.fd = fd
        self.path = path
    }

    /// Makes what was written durable and closes the file; throws if either fails.
    func finish() throws {
        guard !closed else { return }
        closed = true
        let synced = fsync(fd) == 0
        let syncError = errno
        let closedOK = close(fd) == 0
        guard synced, closedOK else {
            let code = synced ? errno : syncError
            throw CLIFailure.data("logstore: cannot write \(path): \(String(cString: strerror(code)))")
        }
    }

    deinit { if !closed { close(fd) } }
}
