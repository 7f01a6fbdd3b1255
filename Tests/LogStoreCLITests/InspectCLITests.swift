import Foundation
import Testing
import LogStore

@Suite struct InspectCLITests {
    /// 300 records over two hours: several segments, several blocks each (1 KiB blocks).
    static func store(_ dir: TempDir) throws -> (path: String, records: [LogRecord]) {
        let base = nowNanos() - 2 * 3_600 * nanosPerSecond
        var records: [LogRecord] = []
        for i in 0..<300 {
            let t: Int64 = base + Int64(i) * 20 * nanosPerSecond
            let level: LogLevel = i % 10 == 0 ? .error : .info
            let source = i % 2 == 0 ? "api" : "worker"
            records.append(record(t, level, source: source, id: "req-\(i % 7)", "message number \(i) with some padding text to fill blocks",
                                  [Attribute("i", .int(Int64(i)))]))
        }
        let path = dir.path + "/store"
        try makeStore(path, records, blockSize: 1024)
        return (path, records)
    }

    @Test func inspectListsEverySegmentWithRangeRecordsBytesAndRatio() throws {
        let dir = TempDir()
        let (path, records) = try Self.store(dir)
        let r = try CLI.run(["inspect", "--store", path])
        #expect(r.status == 0, "\(r.stderr)")
        let segments = try FileManager.default.contentsOfDirectory(atPath: path + "/segments").filter { $0.hasSuffix(".seg") }
        #expect(segments.count >= 2)
        #expect(r.stdout.contains("\(segments.count) segments, \(records.count) records"))
        for s in segments { #expect(r.stdout.contains(s)) }
        #expect(r.stdout.contains("RATIO") && r.stdout.contains("×"))
        #expect(!r.stdout.hasEscapeCodes)

        let j = try json(try CLI.run(["inspect", path, "--format", "json"]).stdout)
        #expect(j["records"] as? Int == records.count)
        #expect((j["segments"] as? [[String: Any]])?.count == segments.count)
    }

    /// The file tailer's positions (FORMAT.md 9.3, value built here byte by byte from the spec) are
    /// listed decoded; another producer's checkpoint by its size.
    @Test func inspectListsCheckpointsWithTailPositionsDecoded() throws {
        let dir = TempDir()
        let path = dir.path + "/store"
        func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        let tail = [UInt8(1)] + le(UInt64(2049)) + le(UInt64(131_077)) + le(UInt64(5_242_880)) + le(UInt64(81_234))
            + le(UInt16(1024)) + le(UInt64(0xDEAD_BEEF))
        #expect(tail.count == 43)
        let store = try LogStore.open(at: path)
        try store.append([record(nowNanos(), .info, "a line")], checkpoints: [Checkpoint(name: "tail:/var/log/app.log", value: tail),
                                                                      Checkpoint(name: "kafka:orders/3", value: [1, 2, 3])])
        try store.close()
        let r = try CLI.run(["inspect", "--store", path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("checkpoints: 2"))
        let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("tail:/var/log/app.log") })
        #expect(line.contains("dev 2049 inode 131077") && line.contains("5242880") && line.contains("81234"), "\(line)")
        #expect(r.stdout.contains("kafka:orders/3") && r.stdout.contains("3 bytes"))
        let j = try json(CLI.run(["inspect", "--store", path, "--format", "json"]).stdout)
        let checkpoints = try #require(j["checkpoints"] as? [[String: Any]])
        let position = try #require(checkpoints.first { $0["name"] as? String == "tail:/var/log/app.log" }?["tail"] as? [String: Any])
        #expect(position["inode"] as? Int == 131_077 && position["offset"] as? Int == 5_242_880 && position["line"] as? Int == 81_234)
    }

    @Test func inspectReadsASegmentFileCopiedAwayFromItsStoreWithoutChangingIt() throws {
        let dir = TempDir()
        let (path, _) = try Self.store(dir)
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: path + "/segments").filter { $0.hasSuffix(".seg") }.sorted().first)
        let copy = dir.path + "/copy.seg"
        try FileManager.default.copyItem(atPath: path + "/segments/" + name, toPath: copy)
        try FileManager.default.removeItem(atPath: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: copy))
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: copy)

        let r = try CLI.run(["inspect", copy])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("header   format v4"))
        #expect(r.stdout.contains("BLOCK") && r.stdout.contains("CHECKSUM"))
        #expect(r.stdout.contains("distinct correlation IDs"))
        let file = try SegmentFile.open(copy)
        #expect(r.stdout.contains("\(file.footer.blocks.count) blocks, \(file.footer.recordCount) records"))

        let withRecords = try CLI.run(["inspect", copy, "--records", "--format", "json"])
        let j = try json(withRecords.stdout)
        #expect((j["records"] as? [Any])?.count == Int(file.footer.recordCount))
        #expect((j["blocks"] as? [[String: Any]])?.allSatisfy { $0["status"] as? String == "ok" } == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == before)
    }

    @Test func inspectReportsADamagedBlockWithItsOffsetAndExitsOne() throws {
        let dir = TempDir()
        let (path, _) = try Self.store(dir)
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: path + "/segments").filter { $0.hasSuffix(".seg") }.sorted().first)
        let seg = path + "/segments/" + name
        let entry = try #require(try SegmentFile.open(seg).footer.blocks.last)
        try flipByte(seg, at: Int(entry.offset) + entry.diskLength - 5)

        let r = try CLI.run(["inspect", seg, "--format", "json"])
        #expect(r.status == 1)
        let blocks = try #require(try json(r.stdout)["blocks"] as? [[String: Any]])
        let damaged = blocks.filter { ($0["status"] as? String)?.hasPrefix("DAMAGED at byte") == true }
        #expect(damaged.count == 1)
        #expect(damaged.first?["offset"] as? Int == Int(entry.offset))
    }
}

/// Flips every bit of the byte at `offset`.
func flipByte(_ path: String, at offset: Int) throws {
    var data = try Data(contentsOf: URL(fileURLWithPath: path))
    data[offset] ^= 0xFF
    try data.write(to: URL(fileURLWithPath: path))
}
