import Foundation
import Testing
import LogStore
import LogStoreIngest
@testable import LogStoreTail
import Glibc

/// Rotated files compressed with gzip while the tailer was stopped (logrotate `compress`): their unread
/// lines are read from the `.gz`, found by the fingerprint of its decompressed first bytes.
@Suite struct GzipRotationTests {
    let header = "# app log format 1\n"

    func lines(_ prefix: String, _ range: Range<Int>) -> [String] {
        range.map { "\(prefix) line \($0) " + String(repeating: "x", count: $0 % 40) }
    }

    func text(_ lines: [String]) -> String { lines.map { $0 + "\n" }.joined() }

    /// Runs the system's gzip on `path` (replacing it with `path.gz`, keeping its modification time).
    func gzip(_ path: String) throws {
        let gz = Process()
        gz.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        gz.arguments = ["-f", path]
        try gz.run()
        gz.waitUntilExit()
        try #require(gz.terminationStatus == 0, "gzip failed")
    }

    func noLoss(_ events: [TailEvent]) -> Bool { !events.contains { if case .lost = $0 { true } else { false } } }

    /// Stopped part of the way through `app.log`; meanwhile it is rotated to `app.log.1` and that is
    /// compressed, and the next file rotated too and compressed: the stored file's rest is read from its
    /// `.gz` at the stored offset, then the later `.gz`, then the file at the path; nothing is lost.
    @Test func aFileRotatedAndCompressedWhileStoppedIsFinishedFromTheGz() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        let a = lines("a", 0..<300), b = lines("b", 0..<200), c = lines("c", 0..<10)
        append(header + text(Array(a[0..<100])), to: path)
        let first = try Follower(path)
        try first.drain(holdTimeout: 0)
        let stored = try #require(first.position)
        append(text(Array(a[100...])), to: path)
        waitForTheFileClock(toPass: path)  // each file's last write at a later time (gzip keeps it)
        rename(path, path + ".1")
        append(header + text(b), to: path)
        try gzip(path + ".1")
        waitForTheFileClock(toPass: path)
        rename(path, path + ".2")
        append(header + text(c), to: path)
        try gzip(path + ".2")
        let second = try Follower(path, stored: stored.encoded(), candidates: [path + ".1.gz", path + ".2.gz"])
        try second.drain(holdTimeout: 0)
        #expect(first.messages + second.messages == ["# app log format 1"] + a + ["# app log format 1"] + b + ["# app log format 1"] + c,
                "\(second.eventText)")
        #expect(noLoss(second.events), "\(second.eventText)")
        #expect(second.events.contains { if case .readingCopy(_, let copy, _) = $0 { copy.hasSuffix(".1.gz") } else { false } })
    }

    /// A restart while the `.gz` is being read finds the `.gz` by its identity (the position names it)
    /// and continues there.
    @Test func aPositionInAGzIsResumedThere() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        let a = lines("a", 0..<2000)
        append(header + text(Array(a[0..<10])), to: path)
        let first = try Follower(path)
        try first.drain(holdTimeout: 0)
        append(text(Array(a[10...])), to: path)
        rename(path, path + ".1")
        try gzip(path + ".1")
        let second = try Follower(path, stored: try #require(first.position).encoded(), candidates: [path + ".1.gz"])
        // One small step of the `.gz`, then "killed": a third tailer resumes from its position.
        var buffer: [UInt8] = [], rows = EncodedRows(), events: [TailEvent] = []
        let batch = try #require(second.file.step(limit: 4096, buffer: &buffer, rows: &rows, now: second.now, holdTimeout: 0, events: &events))
        let middle = try #require(batch.position)
        let third = try Follower(path, stored: middle.encoded(), candidates: [path + ".1.gz"])
        try third.drain(holdTimeout: 0)
        #expect(first.messages + (try messages(of: rows)) + third.messages == ["# app log format 1"] + a, "\(third.eventText)")
        #expect(noLoss(third.events), "\(third.eventText)")
    }

    /// A `.gz` whose stream is incomplete (gzip still writing it) or damaged is not read as the file:
    /// the bytes are reported lost rather than guessed.
    @Test func anIncompleteGzIsNotRead() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        append(header + text(lines("a", 0..<500)), to: path)
        // One small read: the position stored knows the file is longer.
        let first = try Follower(path)
        var buffer: [UInt8] = [], rows = EncodedRows(), events: [TailEvent] = []
        let batch = try #require(first.file.step(limit: 300, buffer: &buffer, rows: &rows, now: first.now, holdTimeout: 0, events: &events))
        let stored = try #require(batch.position)
        rename(path, path + ".1")
        try gzip(path + ".1")
        let gz = fileBytes(path + ".1.gz")
        try Data(gz[0..<(gz.count / 2)]).write(to: URL(fileURLWithPath: path + ".1.gz"))
        let second = try Follower(path, stored: stored.encoded(), candidates: [path + ".1.gz"])
        try second.drain(holdTimeout: 0)
        #expect(second.messages.isEmpty)
        #expect(second.events.contains { if case .lost(_, let bytes, _) = $0 { bytes == Int64(stored.size - stored.offset) } else { false } },
                "\(second.eventText)")
    }
}
