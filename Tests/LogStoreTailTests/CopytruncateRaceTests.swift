import Foundation
import Testing
import LogStore
import LogStoreIngest
@testable import LogStoreTail
import Glibc

/// Copytruncate racing the tailer (the cause of the intermittent loss of `RotationSchemeTests` with the
/// tailer SIGKILLed): every file begins with the same header, as the rotation test's files do.
@Suite struct CopytruncateRaceTests {
    let header = "# app log format 1\n"

    func lines(_ prefix: String, _ range: Range<Int>) -> String {
        range.map { "\(prefix) line \($0) " + String(repeating: "x", count: $0 % 40) + "\n" }.joined()
    }

    func copyTruncate(_ path: String, to copy: String, thenWrite text: String) throws {
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        rewrite(path, with: text)
    }

    /// The position stored after a read describes the bytes read, even when the file is copied,
    /// truncated and rewritten (longer, beginning with the same header) before it is taken. It used to
    /// take its edge (and, for a short file, its first bytes) by reading the file again: it then paired
    /// the old content's offset with the new content's bytes, and a restarted tailer did not find the
    /// copy (the unread end reported lost) or took the new content, or a later copy, for the old file.
    @Test func aPositionTakenAfterACopytruncateStillDescribesTheBytesRead() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        append(header + lines("a", 0..<60), to: path)
        var options = LineParserOptions()
        options.now = { 1_700_000_000_000_000_000 }
        let file = try #require(OpenFile.open(path, format: .text, options: options, now: 0))
        var buffer: [UInt8] = [], rows = EncodedRows(), errors: [LineError] = []
        #expect(file.read(limit: 1 << 20, buffer: &buffer, rows: &rows, errors: &errors, now: 0) > 0)
        let readRecords = try messages(of: rows)
        // The writer rotates before the tailer takes the position of what it read.
        try copyTruncate(path, to: path + ".0", thenWrite: header + lines("b", 0..<200))
        let position = file.position
        let a = fileBytes(path + ".0")
        #expect(position.fingerprint == Fingerprint(of: a.prefix(Fingerprint.maxLength)))
        #expect(position.edge == Fingerprint(of: a[Int(position.offset) - Fingerprint.edgeLength..<Int(position.offset)]))

        // A tailer restarted from that position reads the rest from the copy, then the new content.
        let follower = try Follower(path, stored: position.encoded(), candidates: [path + ".0"])
        try follower.drain(holdTimeout: 0)
        let stored = readRecords + follower.messages
        #expect(stored == ["# app log format 1"] + (0..<60).map { "a line \($0) " + String(repeating: "x", count: $0 % 40) }
                + ["# app log format 1"] + (0..<200).map { "b line \($0) " + String(repeating: "x", count: $0 % 40) },
                "\(follower.eventText)")
        #expect(!follower.events.contains { if case .lost = $0 { true } else { false } }, "\(follower.eventText)")
    }

    /// A file queued behind a copy being read (copytruncate while stopped) is copied and truncated again
    /// before its turn: its lines are read from its own copy. It used to be queued without its first
    /// bytes, so its copy could not be found and it was reported lost.
    @Test func aQueuedFileTruncatedBeforeItsTurnIsReadFromItsCopy() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        append(header + lines("a", 0..<60), to: path)
        let first = try Follower(path)
        try first.drain(holdTimeout: 0)
        let stored = try #require(first.position)
        // Stopped: more lines, then copytruncate; the new content is longer than the old one.
        append(lines("a", 60..<80), to: path)
        waitForTheFileClock(toPass: path)  // the copy is modified later than the stored position
        try copyTruncate(path, to: path + ".0", thenWrite: header + lines("b", 0..<100))
        let second = try Follower(path, stored: stored.encoded(), candidates: [path + ".0"])
        // The restarted tailer reads the copy first; meanwhile the file is rotated again (later).
        waitForTheFileClock(toPass: path)
        try copyTruncate(path, to: path + ".1", thenWrite: header + lines("c", 0..<5))
        try second.drain(holdTimeout: 0)
        let all = first.messages + second.messages
        let expected = ["# app log format 1"] + (0..<80).map { "a line \($0) " + String(repeating: "x", count: $0 % 40) }
            + ["# app log format 1"] + (0..<100).map { "b line \($0) " + String(repeating: "x", count: $0 % 40) }
            + ["# app log format 1"] + (0..<5).map { "c line \($0) " + String(repeating: "x", count: $0 % 40) }
        #expect(all == expected, "\(second.eventText)")
        #expect(!second.events.contains { if case .lost = $0 { true } else { false } }, "\(second.eventText)")
    }
}
