import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The single-writer lock: `flock(LOCK_EX)` on `STORE/LOCK`, which holds the writer's pid.
final class StoreLock: @unchecked Sendable {
    private let fd: Int32
    let path: String

    /// Takes the lock or throws ``LogStoreError/Kind/locked`` naming the holder's pid.
    init(directory: String, io: any StorageIO) throws(LogStoreError) {
        path = joinPath(directory, "LOCK")
        fd = try io.open(path, flags: O_RDWR | O_CREAT, mode: 0o644)
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            let holder = Self.readPID(fd)
            Glibc.close(fd)
            if code == EWOULDBLOCK {
                let who = holder.map { "process \($0)" } ?? "another process"
                throw LogStoreError(.locked, "the store is already open for writing by \(who); stop it, or open the store read-only",
                                    path: path, holderPID: holder)
            }
            throw .io("lock", path: path, code: code)
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    private let released = Mutex(false)

    /// Releases the lock; later calls do nothing.
    func release() {
        let first = released.withLock { was in
            defer { was = true }
            return !was
        }
        guard first else { return }
        _ = ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        Glibc.close(fd)
    }

    deinit { release() }

    private static func readPID(_ fd: Int32) -> Int32? {
        var buf = [UInt8](repeating: 0, count: 32)
        let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 31, 0) }
        guard n > 0 else { return nil }
        return Int32(String(decoding: buf[0..<n], as: UTF8.self).filter(\.isNumber))
    }
}

