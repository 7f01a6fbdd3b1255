import Foundation
import Testing
@testable import LogStore
import LogStoreFormat

/// Checkpoints stored with their records (issue 5, item 3; docs/FORMAT.md, section 9): one WAL frame
/// holds both, so after a crash, a torn write or a failed WAL write, the remembered position always
/// matches the records stored.
@Suite struct CheckpointTests {
    static func lines(_ tag: String, _ range: Range<Int>, base: Int64 = nowNanos() - 60 * nanosPerSecond) -> [LogRecord] {
        range.map { LogRecord(timestamp: base + Int64($0) * 1_000_000, level: .info, source: "tail", message: "\(tag) line \($0)") }
    }

    static func position(_ n: Int) -> [UInt8] { Array("offset=\(n)".utf8) }

    static func options(durability: Durability = .sync) -> StoreOptions {
        var o = StoreOptions(durability: durability)
        o.batchInterval = .milliseconds(2)
        return o
    }

    static var readOnly: StoreOptions {
        var o = StoreOptions()
        o.readOnly = true
        return o
    }

    static func messages(_ store: LogStore) throws -> [String] { try store.records(LogQuery()).map(\.message) }

    @Test func theLatestValueIsReadBackAndAnEmptyValueRemovesTheName() throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: Self.options())
        defer { try? store.close() }
        #expect(try store.checkpoint(named: "a") == nil)
        let r1 = try store.append(Self.lines("a", 0..<10), checkpoints: [Checkpoint(name: "a", value: Self.position(10))])
        #expect(r1.accepted == 10)
        try store.append(Self.lines("a", 10..<12), checkpoints: [Checkpoint(name: "a", value: Self.position(12)),
                                                                 Checkpoint(name: "b", value: Self.position(1))])
        #expect(try store.checkpoint(named: "a") == Self.position(12))
        #expect(try store.checkpoints() == ["a": Self.position(12), "b": Self.position(1)])
        // No records: the position moves anyway.
        let r3 = try store.append([LogRecord](), checkpoints: [Checkpoint(name: "b", value: [])])
        #expect(r3.accepted == 0)
        #expect(try store.checkpoint(named: "b") == nil)
        #expect(try store.checkpoints().keys.sorted() == ["a"])
        #expect(try Self.messages(store).count == 12)
    }

    @Test func invalidCheckpointsAreRefusedWithAReason() throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: Self.options())
        defer { try? store.close() }
        let bad: [[Checkpoint]] = [
            [Checkpoint(name: "", value: [1])],
            [Checkpoint(name: String(repeating: "n", count: Checkpoint.maxNameBytes + 1), value: [1])],
            [Checkpoint(name: "v", value: [UInt8](repeating: 1, count: Checkpoint.maxValueBytes + 1))],
            [Checkpoint(name: "twice", value: [1]), Checkpoint(name: "twice", value: [2])],
            (0...Checkpoint.maxPerAppend).map { Checkpoint(name: "n\($0)", value: [1]) },
        ]
        for list in bad {
            #expect(throws: LogStoreError.self) { try store.append(Self.lines("x", 0..<1), checkpoints: list) }
        }
        // Nothing of a refused append is stored.
        #expect(try Self.messages(store).isEmpty)
        #expect(try store.checkpoints().isEmpty)
    }

    @Test func checkpointsSurviveACleanRestartThroughTheCheckpointsFile() throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: Self.options())
        try store.append(Self.lines("c", 0..<20), checkpoints: [Checkpoint(name: "file", value: Self.position(20))])
        try store.append([LogRecord](), checkpoints: [Checkpoint(name: "other", value: Self.position(7))])
        try store.close()
        #expect(fileExists(dir.file(CheckpointsFile.fileName)))
        #expect(walFilesWithFrames(dir.path).isEmpty, "the flush at close deleted every WAL file with frames: CHECKPOINTS holds the positions")
        let reopened = try LogStore.open(at: dir.path, options: Self.options())
        defer { try? reopened.close() }
        #expect(try reopened.checkpoints() == ["file": Self.position(20), "other": Self.position(7)])
        let reader = try LogStore.open(at: dir.path, options: Self.readOnly)
        #expect(try reader.checkpoint(named: "file") == Self.position(20))
    }

    /// A position moved without records after the last flush lives only in the newest WAL file, which
    /// close keeps; the next open replays it and a later flush saves it.
    @Test func aCheckpointOnlyAppendAfterTheLastFlushSurvivesClose() throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: Self.options())
        try store.append(Self.lines("p", 0..<5), checkpoints: [Checkpoint(name: "f", value: Self.position(5))])
        try store.flush()
        try store.append([LogRecord](), checkpoints: [Checkpoint(name: "f", value: Self.position(9))])
        try store.close()
        for round in 0..<3 {
            let reopened = try LogStore.open(at: dir.path, options: Self.options())
            #expect(try reopened.checkpoint(named: "f") == Self.position(9), "round \(round)")
            try reopened.close()
        }
        #expect(walNames(dir.path).count == 1, "open and close without appends leave one empty WAL file, not one more each time: \(walNames(dir.path))")
    }

    @Test func checkpointsOfRecordsStillInTheWALSurviveACrash() throws {
        let dir = TempDir()
        let copies = TempDir()
        let store = try LogStore.open(at: dir.path, options: Self.options())
        defer { try? store.close() }
        for i in 0..<5 {
            try store.append(Self.lines("w", (i * 10)..<(i * 10 + 10)), checkpoints: [Checkpoint(name: "f", value: Self.position(i * 10 + 10))])
        }
        let image = try copyStore(dir.path, into: copies, name: "crash")
        #expect(!fileExists(image + "/" + CheckpointsFile.fileName))
        let reopened = try LogStore.open(at: image, options: Self.options())
        defer { try? reopened.close() }
        #expect(reopened.recoveryReport.replayedRecords == 50)
        #expect(try reopened.checkpoint(named: "f") == Self.position(50))
        try reopened.close()
        #expect(try LogStore.verify(at: image).isClean)
        let again = try LogStore.open(at: image, options: Self.options())
        defer { try? again.close() }
        #expect(try again.checkpoint(named: "f") == Self.position(50), "carried from the replayed WAL into CHECKPOINTS by the flush")
    }

    /// Every cut of the WAL inside the last frame (a write torn by a crash) loses that append's records
    /// and its checkpoint together: the position read back always says how many records are stored.
    @Test func aTornFrameLosesRecordsAndCheckpointTogether() throws {
        let dir = TempDir()
        let copies = TempDir()
        let store = try LogStore.open(at: dir.path, options: Self.options())
        defer { try? store.close() }
        try store.append(Self.lines("t", 0..<7), checkpoints: [Checkpoint(name: "f", value: Self.position(7))])
        try store.append(Self.lines("t", 7..<19), checkpoints: [Checkpoint(name: "f", value: Self.position(19))])
        let image = try copyStore(dir.path, into: copies, name: "whole")
        guard let walName = walNames(image).last else { Issue.record("no WAL file"); return }
        let walPath = image + "/wal/" + walName
        let bytes = try fileBytes(walPath)
        guard let lastFrame = walFrameOffsets(bytes).last else { Issue.record("no frames"); return }
        #expect(bytes[lastFrame + 8] == WALFormat.checkpointsFrameType)
        // The append's summary frame (FORMAT.md 4.4) follows its records frame: a cut inside the summary
        // keeps the whole records frame, records and checkpoint together.
        let length = Int(bytes[lastFrame]) | Int(bytes[lastFrame + 1]) << 8 | Int(bytes[lastFrame + 2]) << 16
        let frameEnd = lastFrame + WALFormat.frameHeaderSize + length
        #expect(frameEnd < bytes.count && bytes[frameEnd + 8] == WALFormat.summaryFrameType)
        for cut in stride(from: lastFrame + 1, to: bytes.count, by: max(1, (bytes.count - lastFrame) / 23)) + [frameEnd - 1, frameEnd + 5] {
            let torn = try copyStore(image, into: copies, name: "torn-\(cut)")
            try truncateFile(torn + "/wal/" + walName, to: cut)
            let s = try LogStore.open(at: torn, options: Self.options())
            let stored = try Self.messages(s).count
            let position = try s.checkpoint(named: "f")
            try s.close()
            let kept = cut >= frameEnd ? 19 : 7
            #expect(stored == kept && position == Self.position(kept), "cut at \(cut): \(stored) records, position \(String(decoding: position ?? [], as: UTF8.self))")
        }
        let whole = try LogStore.open(at: image, options: Self.options())
        defer { try? whole.close() }
        #expect(try Self.messages(whole).count == 19 && whole.checkpoint(named: "f") == Self.position(19))
    }

    /// An append lost to a failed WAL write takes its checkpoint back with its records.
    @Test func aFailedWALWriteTakesTheCheckpointBack() throws {
        let dir = TempDir()
        let io = FaultInjectingIO()
        let store = try LogStore.open(at: dir.path, options: Faults.options(io, .sync))
        defer { try? store.close() }
        try store.append(Self.lines("l", 0..<3), checkpoints: [Checkpoint(name: "f", value: Self.position(3))])
        _ = WALFaultTests.WALFault.writeEIO.inject(into: io)
        #expect(throws: LogStoreError.self) {
            try store.append(Self.lines("l", 3..<6), checkpoints: [Checkpoint(name: "f", value: Self.position(6))])
        }
        #expect(try store.checkpoint(named: "f") == Self.position(3))
        #expect(try Self.messages(store).count == 3)
        // The producer reads those lines again; now they are stored once, with the new position.
        try store.append(Self.lines("l", 3..<6), checkpoints: [Checkpoint(name: "f", value: Self.position(6))])
        #expect(try store.checkpoint(named: "f") == Self.position(6))
        #expect(try Self.messages(store) == Self.lines("l", 0..<6).map(\.message))
    }

    /// A kill after a flush renamed its segments but before it wrote CHECKPOINTS leaves the positions
    /// only in WAL files the committed group covers: open carries them over before deleting them.
    @Test func openCarriesCheckpointsOfCoveredWALFilesIntoTheFile() throws {
        let dir = TempDir()
        let copies = TempDir()
        let store = try LogStore.open(at: dir.path, options: Self.options())
        try store.append(Self.lines("k", 0..<10), checkpoints: [Checkpoint(name: "f", value: Self.position(10))])
        let beforeFlush = try copyStore(dir.path, into: copies, name: "before")
        try store.close()
        // The image: the segments of the flush, the WAL file it covers, and no CHECKPOINTS.
        let image = copies.path + "/image"
        try FileManager.default.copyItem(atPath: beforeFlush, toPath: image)
        for name in segmentNames(dir.path) {
            try FileManager.default.copyItem(atPath: dir.path + "/segments/" + name, toPath: image + "/segments/" + name)
        }
        #expect(!fileExists(image + "/" + CheckpointsFile.fileName) && !walNames(image).isEmpty)
        let reopened = try LogStore.open(at: image, options: Self.options())
        #expect(try reopened.checkpoint(named: "f") == Self.position(10))
        #expect(try Self.messages(reopened).count == 10)
        try reopened.close()
        #expect(fileExists(image + "/" + CheckpointsFile.fileName))
        let again = try LogStore.open(at: image, options: Self.options())
        defer { try? again.close() }
        #expect(try again.checkpoint(named: "f") == Self.position(10))
    }

    @Test func aDamagedCheckpointsFileRefusesTheWriterAndIsReported() throws {
        let dir = TempDir()
        let store = try LogStore.open(at: dir.path, options: Self.options())
        try store.append(Self.lines("d", 0..<5), checkpoints: [Checkpoint(name: "f", value: Self.position(5))])
        try store.close()
        try flipByte(dir.file(CheckpointsFile.fileName), at: CheckpointsFile.headerSize + 2)
        #expect(try LogStore.verify(at: dir.path).problems.contains { $0.file == CheckpointsFile.fileName })
        do {
            _ = try LogStore.open(at: dir.path, options: Self.options())
            Issue.record("a writer opened a store whose CHECKPOINTS is damaged")
        } catch {
            #expect(error.kind == .corruption && error.message.contains("CHECKPOINTS"))
        }
        let reader = try LogStore.open(at: dir.path, options: Self.readOnly)
        #expect(throws: LogStoreError.self) { try reader.checkpoint(named: "f") }
        #expect(try Self.messages(reader).count == 5, "the records are all there")
    }

    /// Property: random appends with and without checkpoints, flushes and crash images in between;
    /// after every reopen each name's position equals the number of its records stored.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func positionsAlwaysMatchTheStoredRecords(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let dir = TempDir()
        let copies = TempDir()
        var options = Self.options(durability: .batch)
        options.headFlushBytes = 64 << 10
        var store = try LogStore.open(at: dir.path, options: options)
        var counts: [String: Int] = [:]
        for round in 0..<40 {
            let name = "src\(Int(rng.next() % 3))"
            let n = Int(rng.next() % 120)
            let start = counts[name, default: 0]
            let records = Self.lines(name, start..<(start + n))
            counts[name] = start + n
            try store.append(records, checkpoints: [Checkpoint(name: name, value: Self.position(start + n))])
            if rng.next() % 8 == 0 { try store.flush() }
            if rng.next() % 10 == 0 {
                try store.sync()
                let image = try copyStore(dir.path, into: copies, name: "r\(round)")
                let crashed = try LogStore.open(at: image, options: options)
                try Self.checkPositions(crashed, counts, "seed \(seed) round \(round) crash image")
                try crashed.close()
            }
            if rng.next() % 12 == 0 {
                try store.close()
                store = try LogStore.open(at: dir.path, options: options)
                try Self.checkPositions(store, counts, "seed \(seed) round \(round) reopen")
            }
        }
        try store.close()
        let last = try LogStore.open(at: dir.path, options: options)
        defer { try? last.close() }
        try Self.checkPositions(last, counts, "seed \(seed) end")
        #expect(try LogStore.verify(at: dir.path).isClean)
    }

    static func checkPositions(_ store: LogStore, _ counts: [String: Int], _ context: String) throws {
        var stored: [String: Int] = [:]
        for m in try messages(store) { stored[String(m.prefix { $0 != " " }), default: 0] += 1 }
        for (name, n) in counts {
            #expect(try store.checkpoint(named: name) == position(n), "\(context): \(name)")
            #expect(stored[name, default: 0] == n, "\(context): \(name) stored \(stored[name, default: 0]) of \(n)")
        }
    }
}
