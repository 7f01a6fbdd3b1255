import Foundation
import Testing
import LogStore

@Suite struct VerifyCLITests {
    /// A store with many small blocks; damages the middle block of the first segment and returns the
    /// messages of the records that block held.
    static func damagedStore(_ dir: TempDir) throws -> (path: String, all: [String], lost: Set<String>) {
        let (path, records) = try InspectCLITests.store(dir)
        let segments = try FileManager.default.contentsOfDirectory(atPath: path + "/segments").filter { $0.hasSuffix(".seg") }.sorted()
        // The segment with the most blocks, so intact blocks surround the damaged one.
        let files = try segments.map { try SegmentFile.open(path + "/segments/" + $0) }
        let file = try #require(files.max { $0.footer.blocks.count < $1.footer.blocks.count })
        let seg = file.path
        #expect(file.footer.blocks.count >= 2)
        let index = file.footer.blocks.count / 2
        let lost = Set(try file.records(inBlock: index).map(\.message))
        let entry = file.footer.blocks[index]
        try flipByte(seg, at: Int(entry.offset) + entry.diskLength - 3)
        return (path, records.map(\.message), lost)
    }

    @Test func salvageIntoANewStoreSavesEveryIntactRecordAndCountsTheLost() throws {
        let dir = TempDir()
        let (path, all, lost) = try Self.damagedStore(dir)
        let out = dir.path + "/rescued"
        let r = try CLI.run(["verify", "--store", path, "--salvage", out])
        #expect(r.status == 1, "damage must still exit 1")
        #expect(r.stdout.contains("DAMAGE segments/"))
        #expect(r.stdout.contains("block "))
        #expect(r.stdout.contains("salvage: saved \(all.count - lost.count) records to \(out), lost \(lost.count)"), "\(r.stdout)")
        var options = StoreOptions()
        options.readOnly = true
        let rescued = try LogStore.open(at: out, options: options)
        let messages = try rescued.records(LogQuery()).map(\.message)
        #expect(Set(messages) == Set(all).subtracting(lost))
        #expect(messages.count == all.count - lost.count)
        try rescued.close()
    }

    @Test func salvageToNDJSONWritesEveryIntactRecord() throws {
        let dir = TempDir()
        let (path, all, lost) = try Self.damagedStore(dir)
        let out = dir.path + "/rescued.ndjson"
        let r = try CLI.run(["verify", "--store", path, "--salvage", out, "--format", "ndjson"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("lost \(lost.count)"))
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        let messages = try lines.map { try json(String($0))["message"] as? String ?? "" }
        #expect(Set(messages) == Set(all).subtracting(lost))
        #expect(lines.count == all.count - lost.count)
    }

    @Test func salvageReadsTheBlocksOfASegmentWhoseFooterIsDamaged() throws {
        let dir = TempDir()
        let (path, records) = try InspectCLITests.store(dir)
        let segments = try FileManager.default.contentsOfDirectory(atPath: path + "/segments").filter { $0.hasSuffix(".seg") }.sorted()
        let file = try #require(try segments.map { try SegmentFile.open(path + "/segments/" + $0) }.max { $0.footer.blocks.count < $1.footer.blocks.count })
        let last = try #require(file.footer.blocks.last)
        // The first byte after the last block is the footer body's first byte.
        try flipByte(file.path, at: Int(last.offset) + last.diskLength)
        let out = dir.path + "/rescued.ndjson"
        let r = try CLI.run(["verify", "--store", path, "--salvage", out, "--format", "ndjson"])
        #expect(r.status == 1, "the damage is still reported")
        #expect(r.stdout.contains("salvage: saved \(records.count) records to \(out), lost 0"), "\(r.stdout)")
        #expect(!r.stdout.contains("unknown number"), "the trailer bounds the blocks, so no loss is unknown: \(r.stdout)")
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        let messages = try lines.map { try json(String($0))["message"] as? String ?? "" }
        #expect(messages.sorted() == records.map(\.message).sorted())
    }

    @Test func salvageRefusesAnExistingDestination() throws {
        let dir = TempDir()
        let (path, _) = try InspectCLITests.store(dir)
        let r = try CLI.run(["verify", "--store", path, "--salvage", dir.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("already exists"))
    }

    @Test func verifyJSONNamesFileOffsetAndBlockOfEachProblem() throws {
        let dir = TempDir()
        let (path, _, _) = try Self.damagedStore(dir)
        let r = try CLI.run(["verify", "--store", path, "--format", "json"])
        #expect(r.status == 1)
        let j = try json(r.stdout)
        #expect(j["ok"] as? Bool == false)
        let problems = try #require(j["problems"] as? [[String: Any]])
        #expect(problems.count >= 1)
        #expect((problems.first?["file"] as? String)?.hasPrefix("segments/") == true)
        #expect(problems.first?["block"] as? Int != nil)
        #expect((problems.first?["offset"] as? Int ?? 0) > 0)
    }

    @Test func verifyDrawsAProgressBarOnlyOnATerminal() throws {
        let dir = TempDir()
        let (path, _) = try InspectCLITests.store(dir)
        let tty = try CLI.runOnTerminal(["verify", "--store", path])
        #expect(tty.stdout.contains("verifying") && tty.stdout.contains("%"), "\(tty.stdout)")
        let piped = try CLI.run(["verify", "--store", path])
        #expect(piped.status == 0)
        #expect(!piped.stderr.contains("verifying") && !piped.stdout.hasEscapeCodes)
        #expect(piped.stdout.hasPrefix("ok:"))
    }
}
