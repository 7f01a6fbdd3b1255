import Foundation
import Testing
import LogStore
import LogStoreIngest
@testable import LogStoreTail

/// Files are known by identity (device and inode, confirmed by the first bytes), not by name: a file
/// renamed to another followed name is continued there, never read again from its beginning.
@Suite struct TailIdentityTests {
    func messages(in store: LogStore) throws -> [String] {
        let it = try store.query(LogQuery())
        var out: [String] = []
        while let r = try it.next() { out.append(r.message) }
        return out
    }

    func tailer(_ store: LogStore, _ patterns: [String]) -> FileTailer {
        var options = TailOptions()
        options.holdTimeout = 0
        return FileTailer(store: store, patterns: patterns, format: .text, options: options)
    }

    func lines(_ prefix: String, _ range: Range<Int>) -> String { range.map { "\(prefix)\($0)\n" }.joined() }

    func expectExactlyOnce(_ stored: [String], _ expected: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let counts = Dictionary(stored.map { ($0, 1) }, uniquingKeysWith: +)
        let twice = counts.filter { $0.value > 1 }.count
        let missing = Set(expected).subtracting(counts.keys).count
        #expect(twice == 0, "\(twice) lines stored twice", sourceLocation: sourceLocation)
        #expect(missing == 0, "\(missing) lines lost", sourceLocation: sourceLocation)
        #expect(stored.count == expected.count, sourceLocation: sourceLocation)
    }

    /// Issue 11: `app.log` rotated to `app-2026-12-07.log` under `*.log` was read again from its start
    /// (100 + rename + 50 stored 250 records).
    @Test func aFileRenamedToANameThePatternMatchesIsNotReadAgain() throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path + "/store")
        defer { try? store.close() }
        let logs = dir.path + "/app"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let tail = tailer(store, [logs + "/*.log"])
        append(lines("a", 0..<100), to: logs + "/app.log")
        try tail.catchUp { _ in }
        try FileManager.default.moveItem(atPath: logs + "/app.log", toPath: logs + "/app-2026-12-07.log")
        append(lines("b", 0..<50), to: logs + "/app.log")
        try tail.catchUp { _ in }
        // The writer still had the old file open: its late lines are read where it is now.
        append(lines("a", 100..<110), to: logs + "/app-2026-12-07.log")
        try tail.catchUp { _ in }
        expectExactlyOnce(try messages(in: store), (0..<110).map { "a\($0)" } + (0..<50).map { "b\($0)" })
    }

    /// The same with the tailer stopped across the rename: the stored identity finds the file under its
    /// new name, and the new name's follower does not read it from its beginning.
    @Test func aRenameToAMatchingNameWhileStoppedIsNotReadAgain() throws {
        let dir = TempDir()
        let storePath = dir.path + "/store"
        let logs = dir.path + "/app"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        var store = try LogStore.open(at: storePath)
        append(lines("a", 0..<100), to: logs + "/app.log")
        try tailer(store, [logs + "/*.log"]).catchUp { _ in }
        try store.close()
        append(lines("a", 100..<120), to: logs + "/app.log")
        try FileManager.default.moveItem(atPath: logs + "/app.log", toPath: logs + "/app-2026-12-07.log")
        append(lines("b", 0..<50), to: logs + "/app.log")
        store = try LogStore.open(at: storePath)
        try tailer(store, [logs + "/*.log"]).catchUp { _ in }
        try store.close()
        // A third run: the renamed file's position moved to its new name; nothing is read again.
        append(lines("a", 120..<125), to: logs + "/app-2026-12-07.log")
        store = try LogStore.open(at: storePath)
        let third = tailer(store, [logs + "/*.log"])
        try third.catchUp { _ in }
        #expect(third.totals.stored == 5)
        expectExactlyOnce(try messages(in: store), (0..<125).map { "a\($0)" } + (0..<50).map { "b\($0)" })
        try store.close()
    }

    /// A file renamed while stopped to a name that neither matches nor starts with the followed name is
    /// still found by its identity in the followed directory, and finished from its position.
    @Test func aStoredFileIsFoundUnderAnyNameInTheFollowedDirectory() throws {
        let dir = TempDir()
        let storePath = dir.path + "/store"
        let path = dir.path + "/app.log"
        var store = try LogStore.open(at: storePath)
        append(lines("a", 0..<10), to: path)
        try tailer(store, [path]).catchUp { _ in }
        try store.close()
        append(lines("a", 10..<20), to: path)
        try FileManager.default.moveItem(atPath: path, toPath: dir.path + "/archived-20261207.txt")
        append(lines("b", 0..<5), to: path)
        store = try LogStore.open(at: storePath)
        var events: [TailEvent] = []
        try tailer(store, [path]).catchUp { events.append($0) }
        expectExactlyOnce(try messages(in: store), (0..<20).map { "a\($0)" } + (0..<5).map { "b\($0)" })
        #expect(events.contains { if case .resumingRotated = $0 { true } else { false } })
        try store.close()
    }

    /// Copytruncate: the lines not yet read when the file was truncated are read from the copy (found
    /// by the first bytes) from the stored offset; the truncated file is read from its start.
    @Test func copytruncateReadsTheUnreadLinesFromTheCopy() throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path + "/store")
        defer { try? store.close() }
        let path = dir.path + "/app.log"
        let tail = tailer(store, [path])
        append(lines("a", 0..<10), to: path)
        try tail.catchUp { _ in }
        append(lines("a", 10..<15), to: path)
        try FileManager.default.copyItem(atPath: path, toPath: path + ".1")
        rewrite(path, with: lines("b", 0..<3))
        var events: [TailEvent] = []
        try tail.catchUp { events.append($0) }
        expectExactlyOnce(try messages(in: store), (0..<15).map { "a\($0)" } + (0..<3).map { "b\($0)" })
        #expect(events.contains { if case .readingCopy = $0 { true } else { false } })
        #expect(tail.totals.lostBytes == 0)
    }

    /// The same, with the tailer stopped across the copy and truncation.
    @Test func copytruncateWhileStoppedReadsTheCopyFromTheStoredOffset() throws {
        let dir = TempDir()
        let storePath = dir.path + "/store"
        let path = dir.path + "/app.log"
        var store = try LogStore.open(at: storePath)
        append(lines("a", 0..<10), to: path)
        try tailer(store, [path]).catchUp { _ in }
        try store.close()
        append(lines("a", 10..<15), to: path)
        try FileManager.default.copyItem(atPath: path, toPath: path + ".1")
        rewrite(path, with: lines("b", 0..<3))
        store = try LogStore.open(at: storePath)
        try tailer(store, [path]).catchUp { _ in }
        expectExactlyOnce(try messages(in: store), (0..<15).map { "a\($0)" } + (0..<3).map { "b\($0)" })
        try store.close()
    }

    /// Truncated with no copy to be found: the bytes known unread are reported lost with their count.
    @Test func truncationWithoutACopyReportsTheLostBytes() throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path + "/store")
        defer { try? store.close() }
        let path = dir.path + "/app.log"
        var options = TailOptions()
        options.holdTimeout = 0
        options.readLimit = 30  // reads 30 bytes at a time: the tailer is behind when the file is truncated
        let tail = FileTailer(store: store, patterns: [path], format: .text, options: options)
        append(lines("a", 0..<10), to: path)  // "a0\n" … "a9\n": 30 bytes
        try tail.catchUp { _ in }
        append(lines("a", 10..<20), to: path)  // 40 bytes more, not read yet …
        var events: [TailEvent] = []
        // … one step reads some of it, then the file is truncated (and no copy kept).
        try tail.stepOnce { events.append($0) }
        rewrite(path, with: lines("b", 0..<3))
        try tail.catchUp { events.append($0) }
        let stored = try messages(in: store)
        #expect(stored.filter { $0.hasPrefix("b") } == ["b0", "b1", "b2"])
        let lostA = 20 - stored.filter { $0.hasPrefix("a") }.count
        #expect(lostA > 0)
        #expect(tail.totals.lostBytes == lostA * 4)  // "a1x\n"
        #expect(events.contains { if case .lost(_, let bytes, _) = $0 { bytes == Int64(lostA * 4) } else { false } })
    }

    /// Two files beginning with the same bytes are two files (device and inode tell them apart), and an
    /// inode reused by a new file with other first bytes is a new file.
    @Test func equalFirstBytesAndReusedInodesAreToldApart() throws {
        let dir = TempDir()
        let storePath = dir.path + "/store"
        var store = try LogStore.open(at: storePath)
        let header = "# generated by app v1\n"
        append(header + lines("x", 0..<5), to: dir.path + "/x.log")
        append(header + lines("y", 0..<5), to: dir.path + "/y.log")
        try tailer(store, [dir.path + "/*.log"]).catchUp { _ in }
        try store.close()
        // x.log deleted; a new file (which may get the same inode) with other first bytes takes its name.
        try FileManager.default.removeItem(atPath: dir.path + "/x.log")
        append(lines("z", 0..<5), to: dir.path + "/x.log")
        store = try LogStore.open(at: storePath)
        try tailer(store, [dir.path + "/*.log"]).catchUp { _ in }
        let expected = [String(header.dropLast()), String(header.dropLast())]
            + (0..<5).flatMap { ["x\($0)", "y\($0)", "z\($0)"] }
        #expect(try messages(in: store).sorted() == expected.sorted())
        try store.close()
    }
}

/// Positions of paths that no longer exist, and identities that now name another file.
@Suite struct TailVanishedTests {
    func messages(in store: LogStore) throws -> [String] {
        let it = try store.query(LogQuery())
        var out: [String] = []
        while let r = try it.next() { out.append(r.message) }
        return out
    }

    func tailer(_ store: LogStore, _ patterns: [String], holdTimeout: Double = 0) -> FileTailer {
        var options = TailOptions()
        options.holdTimeout = holdTimeout
        return FileTailer(store: store, patterns: patterns, format: .text, options: options)
    }

    /// What an inode reused by a new file looks like to the tailer: the stored device and inode name a
    /// file whose first bytes are not the ones fingerprinted. It is a new file, read from its start.
    @Test func aStoredIdentityOnAFileWithOtherFirstBytesIsANewFile() throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path + "/store")
        defer { try? store.close() }
        let path = dir.path + "/app.log"
        append("new1\nnew2\nnew3\n", to: path)
        let identity = try #require(FileStatus.of(path: path)?.identity)
        let old = TailPosition(identity: identity, offset: 10, lineNumber: 3, fingerprint: Fingerprint(of: Array("old1\nold2\n".utf8)))
        _ = try store.append(rows: EncodedRows(), checkpoints: [Checkpoint(name: "tail:" + path, value: old.encoded())])
        try tailer(store, [path]).catchUp { _ in }
        #expect(try messages(in: store) == ["new1", "new2", "new3"])
    }

    /// Under a glob, a file renamed while stopped to a name the glob does not match is found by its
    /// identity and finished from its position.
    @Test func aFileRenamedOutOfTheGlobWhileStoppedIsFinished() throws {
        let dir = TempDir()
        let storePath = dir.path + "/store"
        var store = try LogStore.open(at: storePath)
        append("a1\na2\n", to: dir.path + "/app-1.log")
        try tailer(store, [dir.path + "/*.log"]).catchUp { _ in }
        try store.close()
        append("a3\n", to: dir.path + "/app-1.log")
        try FileManager.default.moveItem(atPath: dir.path + "/app-1.log", toPath: dir.path + "/app-1.log.old")
        store = try LogStore.open(at: storePath)
        try tailer(store, [dir.path + "/*.log"]).catchUp { _ in }
        #expect(try messages(in: store) == ["a1", "a2", "a3"])
        try store.close()
    }

    /// Under a glob, a file deleted while stopped with bytes read but not stored (a text record held for
    /// a continuation): they are reported lost with their count, once (the position is removed).
    @Test func aFileDeletedWhileStoppedIsReportedLostOnce() throws {
        let dir = TempDir()
        let storePath = dir.path + "/store"
        var store = try LogStore.open(at: storePath)
        append("a1\na2\n", to: dir.path + "/app-1.log")
        try tailer(store, [dir.path + "/*.log"], holdTimeout: 600).catchUp { _ in }
        #expect(try messages(in: store) == ["a1"])  // "a2" is held: a continuation line may follow
        try store.close()
        try FileManager.default.removeItem(atPath: dir.path + "/app-1.log")
        store = try LogStore.open(at: storePath)
        var events: [TailEvent] = []
        let second = tailer(store, [dir.path + "/*.log"])
        try second.catchUp { events.append($0) }
        #expect(events.contains { if case .lost(_, 3, _) = $0 { true } else { false } }, "\(events)")
        #expect(second.totals.lostBytes == 3)
        #expect(try store.checkpoint(named: "tail:" + dir.path + "/app-1.log") == nil)
        try store.close()
        store = try LogStore.open(at: storePath)
        let third = tailer(store, [dir.path + "/*.log"])
        try third.catchUp { _ in }
        #expect(third.totals.lostBytes == 0)
        try store.close()
    }
}

/// Copytruncate while stopped, when the stored position is just after a header every file begins with:
/// neither the first bytes nor the bytes before the position tell the rewritten file from the old one.
@Suite struct TailCopytruncateHeaderTests {
    @Test func aCopyMadeAfterThePositionWithOtherBytesAfterItIsReadFirst() throws {
        let dir = TempDir()
        let storePath = dir.path + "/store"
        let path = dir.path + "/app.log"
        var options = TailOptions()
        options.holdTimeout = 0
        var store = try LogStore.open(at: storePath)
        append("# header of every file\n", to: path)
        try FileTailer(store: store, patterns: [path], format: .text, options: options).catchUp { _ in }
        try store.close()
        // Stopped: lines added, the file copied (a second later: a later modification time) and truncated,
        // then rewritten beginning with the same header, and more lines than before.
        append("a1\na2\n", to: path)
        waitForTheFileClock(toPass: path)
        try FileManager.default.copyItem(atPath: path, toPath: path + ".1")
        rewrite(path, with: "# header of every file\nb1\nb2\nb3\nb4\n")
        store = try LogStore.open(at: storePath)
        var events: [TailEvent] = []
        try FileTailer(store: store, patterns: [path], format: .text, options: options).catchUp { events.append($0) }
        let it = try store.query(LogQuery())
        var stored: [String] = []
        while let r = try it.next() { stored.append(r.message) }
        #expect(stored.sorted() == ["# header of every file", "# header of every file", "a1", "a2", "b1", "b2", "b3", "b4"])
        #expect(events.contains { if case .readingCopy = $0 { true } else { false } }, "\(events)")
        try store.close()
    }
}
