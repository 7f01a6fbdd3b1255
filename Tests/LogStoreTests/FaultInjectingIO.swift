import Foundation
@testable import LogStore

/// The real file system (``PosixIO``) with injectable faults: the engine runs unchanged on real files,
/// and chosen calls fail the way a full disk, a failing device or a crash would make them fail.
///
/// A fault names an operation, a path fragment, how many matching calls to let through first
/// (`after`) and how many to fail (`times`, nil = until ``clear()``). A fault can also run a hook
/// (for example, copy the store directory: what a crash at that instant would leave) before the call.
final class FaultInjectingIO: StorageIO, @unchecked Sendable {
    enum Operation: String, Sendable {
        case open, write, fdatasync, truncate, fsyncDirectory, rename, unlink
    }

    enum Effect: Sendable {
        /// The call fails with this `errno`, doing nothing.
        case fail(Int32)
        /// A write stores its first `bytes` bytes, then fails with `errno` (a short write followed by
        /// an error, as `write(2)` does when the disk fills up in the middle).
        case shortWrite(bytes: Int, errno: Int32)
        /// Runs `hook` with the path, then lets the call through.
        case hook(@Sendable (String) -> Void)
        /// Runs `hook` with the path, then fails with `errno`.
        case hookThenFail(@Sendable (String) -> Void, Int32)
        /// Asks `decide` for each call: an `errno` fails it, nil lets it through.
        case failWhen(@Sendable (String) -> Int32?)
    }

    struct Fault: Sendable {
        var operation: Operation
        var path: String
        var after: Int = 0
        var times: Int? = 1
        var effect: Effect
        /// Matching calls seen so far and faults fired.
        var seen = 0
        var fired = 0
    }

    private let base = PosixIO()
    /// Guards `faults` and `log`. An `NSLock` (pthread), not `Synchronization.Mutex`, which
    /// ThreadSanitizer does not see in Swift 6.3 on Linux (docs/FUZZING.md, "Sanitizers").
    private let lock = NSLock()
    private var faults: [Fault] = []
    private var log: [(Operation, String)] = []

    /// Adds a fault; returns its index for ``fired(_:)``.
    @discardableResult
    func inject(_ operation: Operation, path: String, after: Int = 0, times: Int? = 1, _ effect: Effect) -> Int {
        lock.withLock {
            faults.append(Fault(operation: operation, path: path, after: after, times: times, effect: effect))
            return faults.count - 1
        }
    }

    /// Removes every fault: the disk is healthy again.
    func clear() { lock.withLock { faults.removeAll() } }

    /// How often fault `index` fired.
    func fired(_ index: Int) -> Int { lock.withLock { index < faults.count ? faults[index].fired : 0 } }

    /// Paths of the calls of `operation` made so far.
    func calls(_ operation: Operation) -> [String] { lock.withLock { log.filter { $0.0 == operation }.map(\.1) } }

    /// The effect to apply to this call, if a fault matches it.
    private func effect(_ operation: Operation, _ path: String) -> Effect? {
        lock.withLock { () -> Effect? in
            log.append((operation, path))
            for i in faults.indices where faults[i].operation == operation && path.contains(faults[i].path) {
                faults[i].seen += 1
                guard faults[i].seen > faults[i].after else { continue }
                if let times = faults[i].times, faults[i].fired >= times { continue }
                faults[i].fired += 1
                return faults[i].effect
            }
            return nil
        }
    }

    /// Applies `effect` for a call that is not a write; returns normally to let the call through.
    private func apply(_ effect: Effect?, _ operation: Operation, _ path: String) throws(LogStoreError) {
        switch effect {
        case nil: return
        case .fail(let code): throw .io("\(operation.rawValue) (injected)", path: path, code: code)
        case .shortWrite(_, let code): throw .io("\(operation.rawValue) (injected)", path: path, code: code)
        case .hook(let hook): hook(path)
        case .hookThenFail(let hook, let code):
            hook(path)
            throw .io("\(operation.rawValue) (injected)", path: path, code: code)
        case .failWhen(let decide):
            if let code = decide(path) { throw .io("\(operation.rawValue) (injected)", path: path, code: code) }
        }
    }

    // MARK: StorageIO

    func open(_ path: String, flags: Int32, mode: mode_t) throws(LogStoreError) -> Int32 {
        try apply(effect(.open, path), .open, path)
        return try base.open(path, flags: flags, mode: mode)
    }

    func close(_ fd: Int32) { base.close(fd) }

    func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws(LogStoreError) {
        let e = effect(.write, path)
        if case .shortWrite(let bytes, let code) = e {
            let n = min(bytes, buffer.count)
            if n > 0 { try base.write(fd, UnsafeRawBufferPointer(rebasing: buffer[0..<n]), path: path) }
            throw .io("write (injected after \(n) of \(buffer.count) bytes)", path: path, code: code)
        }
        try apply(e, .write, path)
        try base.write(fd, buffer, path: path)
    }

    func pread(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String) throws(LogStoreError) -> Int {
        try base.pread(fd, into: buffer, at: offset, path: path)
    }

    func fdatasync(_ fd: Int32, path: String) throws(LogStoreError) {
        try apply(effect(.fdatasync, path), .fdatasync, path)
        try base.fdatasync(fd, path: path)
    }

    func truncate(_ fd: Int32, length: Int64, path: String) throws(LogStoreError) {
        try apply(effect(.truncate, path), .truncate, path)
        try base.truncate(fd, length: length, path: path)
    }

    func fileSize(_ fd: Int32, path: String) throws(LogStoreError) -> Int64 { try base.fileSize(fd, path: path) }

    func fsyncDirectory(_ path: String) throws(LogStoreError) {
        try apply(effect(.fsyncDirectory, path), .fsyncDirectory, path)
        try base.fsyncDirectory(path)
    }

    func rename(_ from: String, _ to: String) throws(LogStoreError) {
        try apply(effect(.rename, from), .rename, from)
        try base.rename(from, to)
    }

    func unlink(_ path: String) throws(LogStoreError) {
        try apply(effect(.unlink, path), .unlink, path)
        try base.unlink(path)
    }

    func makeDirectory(_ path: String) throws(LogStoreError) { try base.makeDirectory(path) }
    func listDirectory(_ path: String) throws(LogStoreError) -> [String] { try base.listDirectory(path) }
    func exists(_ path: String) -> Bool { base.exists(path) }
}
