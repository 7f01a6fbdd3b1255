import Glibc

/// Wakes a follower thread when a watched directory changes, when another thread calls ``wake()``,
/// or when a timeout passes.
///
/// Uses inotify (`IN_CREATE`, `IN_DELETE`, `IN_MODIFY`, `IN_MOVED_TO`, `IN_MOVED_FROM` on each
/// watched directory: a directory watch also reports writes to the files in it). Where inotify is
/// unavailable (``usesInotify`` is false, or a watch cannot be added) the caller polls by waiting
/// with a short timeout instead. Immutable after `init`, so any thread may call ``wake()``; one
/// thread calls ``watch(_:)`` and ``wait(milliseconds:)``.
final class DirectoryWatcher: Sendable {
    private let notify: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32

    /// Whether changes are reported by inotify (false: the caller must poll).
    var usesInotify: Bool { notify >= 0 }

    init() throws(LogStoreError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw .io("pipe for the follower's wake-ups", path: "") }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        notify = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
    }

    deinit {
        if notify >= 0 { close(notify) }
        close(wakeRead)
        close(wakeWrite)
    }

    /// Watches `directory` for files created, deleted, renamed or written. False when it cannot be
    /// watched (missing, or no inotify): the caller then polls.
    func watch(_ directory: String) -> Bool {
        guard notify >= 0 else { return false }
        let mask = UInt32(IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE_SELF)
        return inotify_add_watch(notify, directory, mask) >= 0
    }

    /// Blocks until a watched directory changes, ``wake()`` is called, or `milliseconds` pass; then
    /// drains what was reported (the caller re-reads the directory, so the events' details are not needed).
    func wait(milliseconds: Int32) {
        var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        if notify >= 0 { fds.append(pollfd(fd: notify, events: Int16(POLLIN), revents: 0)) }
        let n = poll(&fds, nfds_t(fds.count), milliseconds)
        guard n > 0 else { return }
        var scratch = [UInt8](repeating: 0, count: 4096)
        for p in fds where p.revents != 0 {
            while scratch.withUnsafeMutableBytes({ read(p.fd, $0.baseAddress, $0.count) }) > 0 {}
        }
    }

    /// Makes a thread blocked in ``wait(milliseconds:)`` return now (or its next wait return at once).
    func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }
}
