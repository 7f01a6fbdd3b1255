import Foundation
import Synchronization
import Testing
@testable import LogStore
@testable import LogStorePipeline


/// The real file system, with hooks before every write and sync for the test doubles below.
class ForwardingIO: StorageIO, @unchecked Sendable {
    private let base = PosixIO()

    /// Called before a write reaches the file system; throw to fail it.
    func beforeWrite(path: String) throws(LogStoreError) {}
    /// Called before an `fdatasync` reaches the file system; throw to fail it.
    func beforeSync(path: String) throws(LogStoreError) {}

    func open(_ path: String, flags: Int32, mode: mode_t) throws(LogStoreError) -> Int32 { try base.open(path, flags: flags, mode: mode) }
    func close(_ fd: Int32) { base.close(fd) }
    func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws(LogStoreError) {
        try beforeWrite(path: path)
        try base.write(fd, buffer, path: path)
    }
    func pread(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String) throws(LogStoreError) -> Int {
        try base.pread(fd, into: buffer, at: offset, path: path)
    }
    func fdatasync(_ fd: Int32, path: String) throws(LogStoreError) {
        try beforeSync(path: path)
        try base.fdatasync(fd, path: path)
    }
    func truncate(_ fd: Int32, length: Int64, path: String) throws(LogStoreError) { try base.truncate(fd, length: length, path: path) }
    func fileSize(_ fd: Int32, path: String) throws(LogStoreError) -> Int64 { try base.fileSize(fd, path: path) }
    func fsyncDirectory(_ path: String) throws(LogStoreError) { try base.fsyncDirectory(path) }
    func rename(_ from: String, _ to: String) throws(LogStoreError) { try base.rename(from, to) }
    func unlink(_ path: String) throws(LogStoreError) { try base.unlink(path) }
    func makeDirectory(_ path: String) throws(LogStoreError) { try base.makeDirectory(path) }
    func listDirectory(_ path: String) throws(LogStoreError) -> [String] { try base.listDirectory(path) }
    func exists(_ path: String) -> Bool { base.exists(path) }
}

/// The real file system, except that while ``full`` is set every write and sync fails with ENOSPC,
/// as on a full disk.
final class FullDiskIO: ForwardingIO, @unchecked Sendable {
    private let fullFlag = Atomic<Bool>(false)
    let failures = Atomic<Int>(0)

    var full: Bool {
        get { fullFlag.load(ordering: .acquiring) }
        set { fullFlag.store(newValue, ordering: .releasing) }
    }

    override func beforeWrite(path: String) throws(LogStoreError) { try check(path) }
    override func beforeSync(path: String) throws(LogStoreError) { try check(path) }

    private func check(_ path: String) throws(LogStoreError) {
        if full {
            failures.add(1, ordering: .relaxed)
            throw LogStoreError(.io, "write failed: No space left on device (ENOSPC)", path: path, code: ENOSPC)
        }
    }
}

/// The real file system with a slow WAL `fdatasync` (a disk that takes `delay` per sync), counting syncs.
final class SlowSyncIO: ForwardingIO, @unchecked Sendable {
    let syncs = Atomic<Int>(0)
    let delay: Duration

    init(delay: Duration) { self.delay = delay }

    override func beforeSync(path: String) throws(LogStoreError) {
        guard path.hasSuffix(".wal") else { return }
        syncs.add(1, ordering: .relaxed)
        pace(delay)  // the slow disk itself: the behaviour under test, not a wait
    }
}

func nowNanos() -> Int64 { Int64(Date().timeIntervalSince1970 * 1e9) }

func record(_ i: Int, source: String = "test") -> LogRecord {
    LogRecord(timestamp: nowNanos(), level: .info, source: source, correlationID: nil, message: "m\(i)", attributes: [])
}

/// A store in `dir`, with `io` when given.
func openStore(_ dir: TempDir, io: (any StorageIO)? = nil, durability: Durability = .batch) throws -> LogStore {
    var options = StoreOptions(durability: durability)
    if let io { options.io = io }
    return try LogStore.open(at: dir.path + "/store", options: options)
}

/// The messages stored, in order.
func messages(_ store: LogStore) throws -> [String] {
    try store.records(LogQuery()).map(\.message)
}


/// Options with small batches and bounds, and fast retries.
func smallOptions(_ policy: BackpressurePolicy, buffer: Int = 20, batch: Int = 5) -> IngestorOptions {
    var o = IngestorOptions()
    o.backpressure = policy
    o.batchRecords = batch
    o.maxBufferedRecords = buffer
    o.batchAge = .milliseconds(20)
    o.retryBaseDelay = .milliseconds(2)
    o.retryMaxDelay = .milliseconds(20)
    return o
}
