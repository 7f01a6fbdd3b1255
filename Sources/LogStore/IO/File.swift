import Glibc
import LogStoreFormat

/// An open file descriptor, closed when the last reference goes away.
///
/// Segments are shared between queries through `File` references, so a segment deleted by expiry
/// stays readable by queries that already hold it.
final class File: @unchecked Sendable {
    let fd: Int32
    let path: String
    let io: any StorageIO

    init(path: String, flags: Int32, mode: mode_t = 0o644, io: any StorageIO) throws(LogStoreError) {
        self.fd = try io.open(path, flags: flags, mode: mode)
        self.path = path
        self.io = io
    }

    deinit { io.close(fd) }

    func size() throws(LogStoreError) -> Int64 { try io.fileSize(fd, path: path) }

    /// Size and modification time (nanoseconds since the epoch) from one `fstat` of the descriptor
    /// this file owns: what the store manifest checks a segment file by (docs/FORMAT.md 11.3).
    func sizeAndModificationTime() throws(LogStoreError) -> (size: Int64, modified: Int64) {
        let size = try io.fileSize(fd, path: path)
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io("stat", path: path) }
        return (size, Int64(st.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(st.st_mtim.tv_nsec))
    }

    /// Reads exactly `count` bytes at `offset`, or throws a corruption error when the file is shorter.
    func read(at offset: Int64, count: Int) throws(LogStoreError) -> [UInt8] {
        let bytes = try read(at: offset, upTo: count)
        guard bytes.count == count else {
            throw .corruption("file ends after \(bytes.count) of \(count) bytes wanted", path: path, offset: Int(offset))
        }
        return bytes
    }

    /// Reads up to `count` bytes at `offset`: fewer when the file ends first (a file another process
    /// may truncate meanwhile).
    func read(at offset: Int64, upTo count: Int) throws(LogStoreError) -> [UInt8] {
        var failure: LogStoreError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buf, initialized in
            do throws(LogStoreError) {
                initialized = try io.pread(fd, into: UnsafeMutableRawBufferPointer(buf), at: offset, path: path)
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// The whole file.
    func readAll() throws(LogStoreError) -> [UInt8] {
        let n = try size()
        return try read(at: 0, count: Int(n))
    }

    /// The whole file (as long as it was when this started), read straight into a ``RowBatch``.
    func readAllIntoBatch() throws(LogStoreError) -> RowBatch {
        let n = Int(try size())
        return try RowBatch(capacity: n) { (buffer) throws(LogStoreError) -> Int in
            try io.pread(fd, into: buffer, at: 0, path: path)
        }
    }

    func write(_ bytes: [UInt8]) throws(LogStoreError) {
        var failure: LogStoreError?
        bytes.withUnsafeBytes { buf in
            do throws(LogStoreError) { try io.write(fd, buf, path: path) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    func write(_ buffer: UnsafeRawBufferPointer) throws(LogStoreError) {
        try io.write(fd, buffer, path: path)
    }

    func sync() throws(LogStoreError) { try io.fdatasync(fd, path: path) }

    func truncate(to length: Int64) throws(LogStoreError) { try io.truncate(fd, length: length, path: path) }
}

/// Joins path components with `/`.
@inline(__always)
func joinPath(_ a: String, _ b: String) -> String { a.hasSuffix("/") ? a + b : a + "/" + b }
