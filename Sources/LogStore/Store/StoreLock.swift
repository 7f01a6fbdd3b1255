import Synchronization
import Glibc

/// The single-writer lock: `flock(LOCK_EX)` on `STORE/LOCK`, which holds the writer's pid.
///
/// Descriptor ownership (docs/DESIGN.md, "Descriptors"): a `StoreLock` exists only once it holds
/// the lock, and then it owns its descriptor and closes it exactly once, in ``release()`` or
/// `deinit`. A failed attempt closes its descriptor in ``acquire(path:io:)`` before any `StoreLock`
/// exists, so no `deinit` can touch that number again (by then another thread may have been given it).
final class StoreLock: Sendable {
    private let fd: Int32
    private let io: any StorageIO
    let path: String
    /// Set by the first ``release()``; later calls (and `deinit`) do nothing.
    private let released = Atomic<Bool>(false)

    /// Takes the lock or throws ``LogStoreError/Kind/locked`` naming the holder's pid.
    init(directory: String, io: any StorageIO) throws(LogStoreError) {
        let path = joinPath(directory, "LOCK")
        // Everything that can fail happens before a stored property is set: a throw from here on
        // leaves no object behind, so no `deinit` runs for it.
        let fd = try Self.acquire(path: path, io: io)
        self.fd = fd
        self.io = io
        self.path = path
    }

    /// Opens `path`, locks it and writes this process's pid into it; returns the locked descriptor.
    /// On failure the descriptor it opened is closed here, once, and nothing else refers to it.
    private static func acquire(path: String, io: any StorageIO) throws(LogStoreError) -> Int32 {
        let fd = try io.open(path, flags: O_RDWR | O_CREAT, mode: 0o644)
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            let holder = readPID(fd)
            io.close(fd)
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
        return fd
    }

    /// Releases the lock and closes its descriptor; later calls do nothing.
    func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        _ = ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        io.close(fd)
    }

    deinit { release() }

    private static func readPID(_ fd: Int32) -> Int32? {
        var buf = [UInt8](repeating: 0, count: 32)
        let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 31, 0) }
        guard n > 0 else { return nil }
        return Int32(String(decoding: buf[0..<n], as: UTF8.self).filter(\.isNumber))
    }
}
