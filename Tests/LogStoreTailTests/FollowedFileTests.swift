import Foundation
import Testing
import LogStoreIngest
@testable import LogStoreTail
import Glibc

/// The follower of one path, stepped by hand against real files (no store: the batches are collected).
@Suite struct FollowedFileTests {
    @Test func partialLastLineIsWaitedForNotSplit() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        append("one\ntwo\npar", to: path)
        let f = try Follower(path)
        try f.drain(holdTimeout: 0)
        #expect(f.messages == ["one", "two"])
        #expect(f.position?.offset == 8, "the position must not cover the partial line")
        f.now += 60
        try f.drain(holdTimeout: 0)
        #expect(f.messages == ["one", "two"], "an idle partial line stays held")
        append("tial\nthree\n", to: path)
        try f.drain(holdTimeout: 0)
        #expect(f.messages == ["one", "two", "partial", "three"])
        #expect(f.position?.offset == Int64(fileBytes(path).count))
        #expect(f.position?.lineNumber == 5)
    }

    /// Whatever the read size, after every batch the position is exactly the end of the last line stored.
    @Test(arguments: [LineFormat.text, .ndjson, .logfmt, .cri], [1, 3, 7, 64])
    func positionIsAlwaysTheEndOfTheLastStoredLine(format: LineFormat, limit: Int) throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        let lines = (1...40).map { i in
            switch format {
            case .ndjson: "{\"ts\":1700000000,\"message\":\"m\(i)\"}"
            case .logfmt: "msg=m\(i)"
            case .cri: "2024-01-02T03:04:05Z stdout F m\(i)"
            default: "m\(i)"
            }
        }
        append(lines.joined(separator: "\n"), to: path)  // the last line unterminated
        let f = try Follower(path, format: format)
        let bytes = fileBytes(path)
        try f.drain(limit: limit, holdTimeout: .infinity) { position, messages in
            guard let offset = position.map({ Int($0.offset) }) else { return }
            let covered = bytes[0..<offset].filter { $0 == 0x0A }.count
            #expect(offset == 0 || bytes[offset - 1] == 0x0A, "position \(offset) is inside a line")
            #expect(covered == messages.count, "position \(offset) covers \(covered) lines, \(messages.count) stored")
            #expect(position?.lineNumber == Int64(covered + 1))
        }
        let expected = format == .text ? 38 : 39  // text holds the last complete record for continuations
        #expect(f.messages == lines.prefix(expected).map { "m" + $0.split(separator: "m").last!.filter(\.isNumber) })
    }

    @Test func rotationByRenameReadsTheOldFileToItsEndFirst() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        append("a1\na2\n", to: path)
        let f = try Follower(path)
        try f.drain()
        // The writer adds to the old file (still open) and leaves a last line unterminated, then rotates.
        let writer = open(path, O_WRONLY | O_APPEND)
        defer { close(writer) }
        _ = "a3\na4".withCString { write(writer, $0, 5) }
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        append("b1\nb2\n", to: path)
        try f.drain(holdTimeout: 0)
        #expect(f.messages == ["a1", "a2", "a3", "a4", "b1", "b2"])
        let newIdentity = try #require(FileStatus.of(path: path)?.identity)
        #expect(f.position?.identity == newIdentity)
        #expect(f.position?.offset == 6)
        #expect(f.eventText.contains("rotated"))
    }

    @Test func copytruncateReadsTheNewContentFromTheStart() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        append((1...5).map { "old\($0)\n" }.joined(), to: path)
        let f = try Follower(path)
        try f.drain(holdTimeout: 0)
        try FileManager.default.copyItem(atPath: path, toPath: path + ".1")
        rewrite(path, with: "")
        append("new1\nnew2\n", to: path)
        try f.drain(holdTimeout: 0)
        #expect(f.messages == (1...5).map { "old\($0)" } + ["new1", "new2"])
        #expect(f.eventText.contains("truncated"))
        #expect(f.position?.offset == 10)
    }

    @Test func copytruncateNoticedAfterTheFileGrewPastTheOldOffset() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        append("x1\nx2\n", to: path)
        let f = try Follower(path)
        try f.drain(holdTimeout: 0)
        // Truncated and refilled beyond the old size before the follower looked: the first bytes differ.
        rewrite(path, with: "y1 is longer\ny2\n")
        try f.drain(holdTimeout: 0)
        #expect(f.messages == ["x1", "x2", "y1 is longer", "y2"])
    }

    @Test func deleteAndRecreateFollowsTheNewFile() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        append("a1\na2\n", to: path)
        let f = try Follower(path)
        try f.drain(holdTimeout: 0)
        let writer = open(path, O_WRONLY | O_APPEND)
        _ = "a3\n".withCString { write(writer, $0, 3) }
        unlink(path)
        _ = "a4\n".withCString { write(writer, $0, 3) }  // still reaches the deleted file before we look
        close(writer)
        try f.drain(holdTimeout: 0)
        #expect(f.messages == ["a1", "a2", "a3", "a4"])
        #expect(f.file.file == nil, "no file at the path: nothing open")
        append("b1\n", to: path)
        try f.drain(holdTimeout: 0)
        #expect(f.messages == ["a1", "a2", "a3", "a4", "b1"])
    }

    @Test func fileThatShrinksIsReadAgainFromItsStart() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        append((1...10).map { "line number \($0)\n" }.joined(), to: path)
        let f = try Follower(path)
        try f.drain(holdTimeout: 0)
        rewrite(path, with: "s1\ns2\ns3\n")
        try f.drain(holdTimeout: 0)
        #expect(f.messages == (1...10).map { "line number \($0)" } + ["s1", "s2", "s3"])
        #expect(f.position?.offset == 9)
        #expect(f.position?.lineNumber == 4)
    }

    @Test func textRecordIsHeldForContinuationsUntilIdle() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        append("ERROR boom\n  at frame1\n", to: path)
        let f = try Follower(path)
        try f.drain()
        #expect(f.messages.isEmpty)
        #expect(f.position == nil || f.position?.offset == 0)
        append("  at frame2\n", to: path)
        try f.drain()
        #expect(f.messages.isEmpty)
        f.now += 2
        try f.drain()
        #expect(f.messages == ["ERROR boom\n  at frame1\n  at frame2"])
        #expect(f.position?.offset == Int64(fileBytes(path).count))
    }

    @Test func resumesAtTheStoredPositionWithLineNumbers() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        append("{\"ts\":1,\"message\":\"1\"}\n{\"ts\":1,\"message\":\"2\"}\n{\"ts\":1,\"mess", to: path)
        let first = try Follower(path, format: .ndjson)
        try first.drain()
        let stored = try #require(first.position).encoded()
        append("age\":\"3\"}\nnot json\n{\"ts\":1,\"message\":\"4\"}\n", to: path)
        let second = try Follower(path, format: .ndjson, stored: stored)
        try second.drain()
        #expect(first.messages == ["1", "2"])
        #expect(second.messages == ["3", "4"])
        #expect(second.errors.map(\.line) == [4], "the bad line keeps its number in the file")
    }

    @Test func resumeFinishesAFileRotatedAwayWhileStopped() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        append("a1\na2\n", to: path)
        let first = try Follower(path)
        try first.drain(holdTimeout: 0)
        let stored = try #require(first.position).encoded()
        append("a3\n", to: path)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        append("b1\n", to: path)
        let second = try Follower(path, stored: stored, candidates: [path + ".1"])
        try second.drain(holdTimeout: 0)
        #expect(second.messages == ["a3", "b1"])
        #expect(second.eventText.contains("finishing"))
    }

    @Test func resumeStartsOverWhenTheStoredFileIsGoneOrRewritten() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        append("a1\na2\n", to: path)
        let first = try Follower(path)
        try first.drain(holdTimeout: 0)
        let stored = try #require(first.position).encoded()
        rewrite(path, with: "c1\nc2\nc3\n")  // longer than the position, different first bytes
        let second = try Follower(path, stored: stored)
        try second.drain(holdTimeout: 0)
        #expect(second.messages == ["c1", "c2", "c3"])
        #expect(second.eventText.contains("from its beginning"))
    }

    @Test func unreadableStoredPositionStopsWithAReason() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        append("a\n", to: path)
        #expect(throws: TailError.self) { try Follower(path, stored: [9, 9, 9]) }
    }
}

@Suite struct FollowedFileRotationOrderTests {
    /// Two renames before the follower finishes the first file: the file in the middle is not skipped,
    /// because the follower opened it as soon as it saw it at the path.
    @Test func fileSeenAtThePathIsReadEvenIfRotatedAgainBeforeItsTurn() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        append((1...50).map { "a\($0)\n" }.joined(), to: path)
        let f = try Follower(path)
        try f.drain(limit: 16, holdTimeout: 0)
        append((51...100).map { "a\($0)\n" }.joined(), to: path)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        append("b1\nb2\n", to: path)
        // One small step: the follower is still in the old file but sees (and opens) the new one.
        _ = f.file.step(limit: 16, buffer: &f.buffer, rows: &f.rows, now: f.now, holdTimeout: 0, events: &f.events)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".2")
        append("c1\n", to: path)
        try f.drain(limit: 16, holdTimeout: 0)
        #expect(f.messages == (1...100).map { "a\($0)" } + ["b1", "b2", "c1"])
    }
}

@Suite struct ResumeAfterSeveralRotationsTests {
    /// Stopped while behind: the stored file was rotated, then the next one too. Both are read, in
    /// order, before the file now at the path; older rotated files and compressed copies are not.
    @Test func filesRotatedAfterTheStoredOneAreReadInOrder() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        append("old\n", to: path + ".0")  // rotated before the stored file: already read
        waitForTheFileClock(toPass: path + ".0")  // each file modified later than the one before
        append("a1\na2\n", to: path)
        let first = try Follower(path)
        try first.drain(holdTimeout: 0)
        let stored = try #require(first.position).encoded()
        append("a3\n", to: path)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        waitForTheFileClock(toPass: path + ".1")
        append("b1\nb2\n", to: path)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".2")
        waitForTheFileClock(toPass: path + ".2")
        append("b1 compressed\n", to: path + ".2.gz")
        append("c1\n", to: path)
        let candidates = [path + ".0", path + ".1", path + ".2", path + ".2.gz"]
        let second = try Follower(path, stored: stored, candidates: candidates)
        try second.drain(holdTimeout: 0)
        #expect(second.messages == ["a3", "b1", "b2", "c1"], "\(second.eventText)")
    }
}

@Suite struct RotateWaitTests {
    /// logrotate renames the file, then signals the program, which writes to the renamed file until it
    /// reopens the path: those late lines are read, and the new file after them.
    @Test func linesAddedToTheRotatedFileBeforeTheWriterReopensAreRead() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        append("a1\na2\n", to: path)
        let f = try Follower(path)
        try f.drain(holdTimeout: 0, rotateWait: 5)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        append("b1\n", to: path)
        f.now += 0.1
        try f.drain(holdTimeout: 0, rotateWait: 5)
        #expect(f.messages == ["a1", "a2"], "the rotation is seen; the follower stays in the old file")
        append("a3 late\n", to: path + ".1")
        f.now += 3
        try f.drain(holdTimeout: 0, rotateWait: 5)
        #expect(f.messages == ["a1", "a2", "a3 late"])
        let inOld = try #require(f.position)
        f.now += 4.9
        try f.drain(holdTimeout: 0, rotateWait: 5)
        #expect(f.messages == ["a1", "a2", "a3 late"], "4.9 s after its last line the old file is still read")
        f.now += 0.2
        try f.drain(holdTimeout: 0, rotateWait: 5)
        #expect(f.messages == ["a1", "a2", "a3 late", "b1"], "\(f.eventText)")
        #expect(f.position?.identity != inOld.identity, "the stored position moved to the new file")
    }

    /// Without a wait (rotateWait 0) the tailer moves on as soon as the old file is read to its end:
    /// a line written to it afterwards is not read. This is what the wait is for.
    @Test func withoutAWaitALateLineIsNotRead() throws {
        let dir = TempDir()
        let path = dir.path + "/app.log"
        append("a1\n", to: path)
        let f = try Follower(path)
        try f.drain(holdTimeout: 0)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        append("b1\n", to: path)
        try f.drain(holdTimeout: 0)
        append("a2 late\n", to: path + ".1")
        f.now += 10
        try f.drain(holdTimeout: 0)
        #expect(f.messages == ["a1", "b1"])
    }
}
