import Foundation
import Testing
@testable import LogStore

/// A library never touches a descriptor it does not own (docs/DESIGN.md, "Descriptors").
@Suite struct DescriptorOwnershipTests {
    /// What a host thread found wrong with its own file, or nothing.
    typealias Problems = Locked<[String]>

    /// A host thread writing its own files beside the library: opens a file, writes a pattern, and
    /// checks after every step that its descriptor is still open and the file holds exactly what it
    /// wrote; then closes it and starts over (so descriptor numbers are reused all the time).
    static func hostWriter(_ id: Int, directory: String, stop: Locked<Bool>, problems: Problems, rounds: Locked<Int>) {
        let chunk = 4096
        var round = 0
        while !stop.value {
            let path = directory + "/host-\(id)-\(round % 4)"
            let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                problems.update { $0.append("thread \(id): open \(path): errno \(errno)") }
                return
            }
            let byte = UInt8(truncatingIfNeeded: id &* 37 &+ round)
            let pattern = [UInt8](repeating: byte, count: chunk)
            var problem: String?
            for step in 0..<4 where problem == nil {
                let n = pattern.withUnsafeBytes { write(fd, $0.baseAddress, chunk) }
                if n != chunk { problem = "write \(step) returned \(n), errno \(errno)"; break }
                if fcntl(fd, F_GETFD) == -1 { problem = "descriptor \(fd) closed under it (errno \(errno))"; break }
                var st = stat()
                if fstat(fd, &st) != 0 || Int(st.st_size) != chunk * (step + 1) {
                    problem = "size \(st.st_size) after \(step + 1) writes of \(chunk) bytes (truncated under it?)"
                }
            }
            if problem == nil {
                var back = [UInt8](repeating: 0, count: chunk * 4)
                let n = back.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
                if n != chunk * 4 || back.contains(where: { $0 != byte }) {
                    problem = "contents changed: read \(n) bytes, expected \(chunk * 4) bytes of \(byte)"
                }
            }
            if close(fd) != 0 && problem == nil { problem = "close failed, errno \(errno)" }
            if let problem {
                problems.update { $0.append("thread \(id), \(path): \(problem)") }
                return
            }
            round += 1
            rounds.update { $0 += 1 }
        }
    }

    /// Fails on the lock code before issue 11: a refused `StoreLock.init` closed its descriptor, then
    /// its `deinit` truncated, unlocked and closed that same number, by then another thread's file.
    @Test func refusedOpenOfALockedStoreNeverTouchesTheHostsDescriptors() throws {
        let dir = TempDir()
        let storePath = dir.file("store")
        let hostFiles = dir.file("host")
        try FileManager.default.createDirectory(atPath: hostFiles, withIntermediateDirectories: true)
        let writer = try LogStore.open(at: storePath, options: StoreOptions(durability: .sync))
        defer { try? writer.close() }

        let stop = Locked(false)
        let problems = Problems([])
        let rounds = Locked(0)
        let group = DispatchGroup()
        for id in 0..<3 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                Self.hostWriter(id, directory: hostFiles, stop: stop, problems: problems, rounds: rounds)
            }
        }
        var attempts = 0
        var unexpected: [String] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while attempts < 60_000 && ContinuousClock.now < deadline && problems.value.isEmpty {
            do throws(LogStoreError) {
                let second = try LogStore.open(at: storePath)
                try? second.close()
                unexpected.append("a second writer opened a locked store")
                break
            } catch {
                if error.kind != .locked { unexpected.append("attempt \(attempts): \(error)") }
            }
            attempts += 1
        }
        stop.update { $0 = true }
        #expect(group.wait(timeout: .now() + 60) == .success, "the host threads did not stop within 60 s")
        #expect(unexpected.isEmpty, "\(unexpected.prefix(3))")
        #expect(problems.value.isEmpty, "after \(attempts) refused opens: \(problems.value)")
        #expect(rounds.value > 0, "the host threads wrote nothing, so the test proved nothing")
        // The refused opens left the writer intact: its lock file names it and it still appends.
        let lockText = String(decoding: try fileBytes(storePath + "/LOCK"), as: UTF8.self)
        #expect(lockText.trimmingCharacters(in: .whitespacesAndNewlines) == "\(getpid())")
        #expect(try writer.append(LockingTests.records(1, "after")).accepted == 1)
    }

    /// The lock's descriptor is closed exactly once, by whichever of `release()` and `deinit` comes first.
    @Test func lockDescriptorIsClosedOnceByItsOwner() throws {
        let dir = TempDir()
        let closes = Locked<[Int32]>([])
        let io = CloseCountingIO(closes: closes)
        let lock = try StoreLock(directory: dir.path, io: io)
        lock.release()
        lock.release()
        #expect(closes.value.count == 1)
        // A refused attempt closes what it opened, once, and leaves no object whose deinit closes it again.
        let holder = try StoreLock(directory: dir.path, io: PosixIO())
        let before = closes.value.count
        #expect(throws: LogStoreError.self) { _ = try StoreLock(directory: dir.path, io: io) }
        #expect(closes.value.count == before + 1)
        holder.release()
    }
}

/// The real file system, recording every descriptor closed through it.
struct CloseCountingIO: StorageIO {
    let base = PosixIO()
    let closes: Locked<[Int32]>
    func open(_ path: String, flags: Int32, mode: mode_t) throws(LogStoreError) -> Int32 { try base.open(path, flags: flags, mode: mode) }
    func close(_ fd: Int32) {
        closes.update { $0.append(fd) }
        base.close(fd)
    }
    func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws(LogStoreError) { try base.write(fd, buffer, path: path) }
    func pread(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String) throws(LogStoreError) -> Int {
        try base.pread(fd, into: buffer, at: offset, path: path)
    }
    func fdatasync(_ fd: Int32, path: String) throws(LogStoreError) { try base.fdatasync(fd, path: path) }
    func truncate(_ fd: Int32, length: Int64, path: String) throws(LogStoreError) { try base.truncate(fd, length: length, path: path) }
    func fileSize(_ fd: Int32, path: String) throws(LogStoreError) -> Int64 { try base.fileSize(fd, path: path) }
    func fsyncDirectory(_ path: String) throws(LogStoreError) { try base.fsyncDirectory(path) }
    func rename(_ from: String, _ to: String) throws(LogStoreError) { try base.rename(from, to) }
    func unlink(_ path: String) throws(LogStoreError) { try base.unlink(path) }
    func makeDirectory(_ path: String) throws(LogStoreError) { try base.makeDirectory(path) }
    func listDirectory(_ path: String) throws(LogStoreError) -> [String] { try base.listDirectory(path) }
    func exists(_ path: String) -> Bool { base.exists(path) }
}
