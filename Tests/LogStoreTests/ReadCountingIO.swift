import Glibc
import Synchronization
@testable import LogStore

/// A file-system seam that passes everything to `PosixIO` and counts the bytes read (pread) per file,
/// so tests can show what an open or a query reads.
final class ReadCountingIO: StorageIO {
    private let inner = PosixIO()
    private let reads = Mutex<[String: Int]>([:])

    /// Forgets what was read so far.
    func reset() { reads.withLock { $0.removeAll() } }
    /// Bytes read per file path since the last reset.
    var bytesByPath: [String: Int] { reads.withLock { $0 } }
    /// Bytes read from every file since the last reset.
    var bytesRead: Int { reads.withLock { $0.values.reduce(0, +) } }
    /// The segment files read since the last reset.
    var segmentFilesRead: Set<String> { Set(bytesByPath.keys.filter { $0.hasSuffix(".seg") }) }

    func open(_ path: String, flags: Int32, mode: mode_t) throws(LogStoreError) -> Int32 { try inner.open(path, flags: flags, mode: mode) }
    func close(_ fd: Int32) { inner.close(fd) }
    func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws(LogStoreError) { try inner.write(fd, buffer, path: path) }
    func pread(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String) throws(LogStoreError) -> Int {
        let n = try inner.pread(fd, into: buffer, at: offset, path: path)
        reads.withLock { $0[path, default: 0] += n }
        return n
    }
    func fdatasync(_ fd: Int32, path: String) throws(LogStoreError) { try inner.fdatasync(fd, path: path) }
    func truncate(_ fd: Int32, length: Int64, path: String) throws(LogStoreError) { try inner.truncate(fd, length: length, path: path) }
    func fileSize(_ fd: Int32, path: String) throws(LogStoreError) -> Int64 { try inner.fileSize(fd, path: path) }
    func fsyncDirectory(_ path: String) throws(LogStoreError) { try inner.fsyncDirectory(path) }
    func rename(_ from: String, _ to: String) throws(LogStoreError) { try inner.rename(from, to) }
    func unlink(_ path: String) throws(LogStoreError) { try inner.unlink(path) }
    func makeDirectory(_ path: String) throws(LogStoreError) { try inner.makeDirectory(path) }
    func listDirectory(_ path: String) throws(LogStoreError) -> [String] { try inner.listDirectory(path) }
    func exists(_ path: String) -> Bool { inner.exists(path) }
}
