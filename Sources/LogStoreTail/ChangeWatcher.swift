import Glibc

/// Wakes the tailer when a followed file or a watched directory changes, through inotify; where
/// inotify is unavailable (`inotify_init1` fails, or polling is asked for) it waits out the timeout
/// instead, and the tailer then checks every file each interval.
///
/// Directories are watched for entries created, moved in or out, deleted, modified or closed after
/// writing (which covers the files in them, including a rotated file still in the same directory);
/// open files are watched too, so that a file moved to another directory still wakes the tailer.
final class ChangeWatcher {
    /// The inotify descriptor, -1 when polling.
    private let fd: Int32
    private var directories: [String: Int32] = [:]
    private var files: [String: Int32] = [:]
    private var buffer = [UInt8](repeating: 0, count: 64 << 10)

    /// Whether changes are found by polling (no inotify).
    var isPolling: Bool { fd < 0 }

    init(polling: Bool) {
        fd = polling ? -1 : inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
    }

    deinit { if fd >= 0 { close(fd) } }

    /// What a wait saw.
    struct Changes {
        /// Something changed (or, when polling, may have).
        var any = false
        /// Directory entries were created, moved or deleted (or, when polling, may have been): patterns
        /// are expanded again.
        var names = false
        /// The kernel's queue overflowed: events were lost, everything is checked.
        var overflow = false
    }

    /// Watches a directory (no-op if already watched, polling, or the directory is missing).
    func watchDirectory(_ path: String) {
        guard fd >= 0, directories[path] == nil else { return }
        let mask = UInt32(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE
                          | IN_DELETE_SELF | IN_MOVE_SELF)
        let wd = inotify_add_watch(fd, path, mask)
        if wd >= 0 { directories[path] = wd }
    }

    /// Watches the file open under `path`, ending the watch of the file open under it before.
    func watchFile(_ path: String) {
        guard fd >= 0 else { return }
        let mask = UInt32(IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
        let wd = inotify_add_watch(fd, path, mask)
        guard wd >= 0 else { return }
        // The file watched before under this path (rotated away and finished) needs no more watching.
        if let old = files[path], old != wd, !directories.values.contains(old) { inotify_rm_watch(fd, old) }
        files[path] = wd
    }

    /// Waits up to `timeout` seconds for changes, and drains every pending event.
    func wait(timeout: Double) -> Changes {
        let ms = Int32(max(0, min(timeout, 3600)) * 1000)
        guard fd >= 0 else {
            if ms > 0 { _ = poll(nil, 0, ms) }
            return Changes(any: true, names: true)
        }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&pfd, 1, ms)
        guard ready > 0 else { return Changes() }
        return drain()
    }

    /// Reads every queued event.
    private func drain() -> Changes {
        var changes = Changes()
        let nameMask = UInt32(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF)
        while true {
            let n = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return read(fd, base, raw.count)
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return changes }
            changes.any = true
            // struct inotify_event: wd:i32 mask:u32 cookie:u32 len:u32 name[len]
            var at = 0
            while at + 16 <= n {
                let mask = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at + 4, as: UInt32.self) }
                let length = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at + 12, as: UInt32.self) }
                if mask & nameMask != 0 { changes.names = true }
                if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                    changes.overflow = true
                    changes.names = true
                }
                at += 16 + Int(length)
            }
        }
    }
}
