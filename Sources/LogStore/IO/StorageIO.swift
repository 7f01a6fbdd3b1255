import Glibc

/// The one seam through which LogStore touches the file system. Everything that opens, writes,
/// syncs, renames or deletes goes through it, so tests can inject faults (ENOSPC, EIO, short
/// writes, failed fsync) into the real engine.
package protocol StorageIO: Sendable {
    func open(_ path: String, flags: Int32, mode: mode_t) throws(LogStoreError) -> Int32
    func close(_ fd: Int32)
    /// Writes all of `buffer` at the file's current offset (O_APPEND files) or fails.
    func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws(LogStoreError)
    /// Reads up to `buffer.count` bytes at `offset`; returns the number read (short only at end of file).
    func pread(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String) throws(LogStoreError) -> Int
    func fdatasync(_ fd: Int32, path: String) throws(LogStoreError)
    func truncate(_ fd: Int32, length: Int64, path: String) throws(LogStoreError)
    func fileSize(_ fd: Int32, path: String) throws(LogStoreError) -> Int64
    func fsyncDirectory(_ path: String) throws(LogStoreError)
    func rename(_ from: String, _ to: String) throws(LogStoreError)
    func unlink(_ path: String) throws(LogStoreError)
    func makeDirectory(_ path: String) throws(LogStoreError)
    /// Names in a directory, without `.` and `..`.
    func listDirectory(_ path: String) throws(LogStoreError) -> [String]
    func exists(_ path: String) -> Bool
}

/// The real file system, through POSIX calls.
package struct PosixIO: StorageIO {
    package init() {}

    package func open(_ path: String, flags: Int32, mode: mode_t) throws(LogStoreError) -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            throw .io("open", path: path)
        }
    }

    package func close(_ fd: Int32) { _ = Glibc.close(fd) }

    package func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws(LogStoreError) {
        guard let base = buffer.baseAddress else { return }
        var done = 0
        while done < buffer.count {
            let n = Glibc.write(fd, base + done, buffer.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("write", path: path)
            }
            if n == 0 { throw .io("write", path: path, code: EIO) }
            done += n
        }
    }

    package func pread(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String) throws(LogStoreError) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let n = Glibc.pread(fd, base + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("read", path: path)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    package func fdatasync(_ fd: Int32, path: String) throws(LogStoreError) {
        while Glibc.fdatasync(fd) != 0 {
            if errno == EINTR { continue }
            throw .io("fdatasync", path: path)
        }
    }

    package func truncate(_ fd: Int32, length: Int64, path: String) throws(LogStoreError) {
        while ftruncate(fd, off_t(length)) != 0 {
            if errno == EINTR { continue }
            throw .io("truncate", path: path)
        }
    }

    package func fileSize(_ fd: Int32, path: String) throws(LogStoreError) -> Int64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io("stat", path: path) }
        return Int64(st.st_size)
    }

    package func fsyncDirectory(_ path: String) throws(LogStoreError) {
        let fd = try open(path, flags: O_RDONLY | O_DIRECTORY, mode: 0)
        defer { close(fd) }
        while Glibc.fsync(fd) != 0 {
            if errno == EINTR { continue }
            throw .io("fsync of directory", path: path)
        }
    }

    package func rename(_ from: String, _ to: String) throws(LogStoreError) {
        guard Glibc.rename(from, to) == 0 else { throw .io("rename to \(to)", path: from) }
    }

    package func unlink(_ path: String) throws(LogStoreError) {
        guard Glibc.unlink(path) == 0 || errno == ENOENT else { throw .io("delete", path: path) }
    }

    package func makeDirectory(_ path: String) throws(LogStoreError) {
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw .io("create directory", path: path) }
    }

    package func listDirectory(_ path: String) throws(LogStoreError) -> [String] {
        guard let dir = opendir(path) else { throw .io("list directory", path: path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    package func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }
}
