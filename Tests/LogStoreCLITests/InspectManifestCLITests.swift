import Foundation
import Testing
import LogStore
import LogStoreFormat

@Suite struct InspectManifestCLITests {
    /// `inspect` shows the MANIFEST (FORMAT.md 11): current after a writer closed, damaged after a
    /// flipped byte (exit status 0: the manifest is a cache, not data), absent once removed.
    @Test func inspectShowsTheManifestCurrentDamagedOrMissing() throws {
        let dir = try TempDir()
        let (path, _) = try InspectCLITests.store(dir)
        let segments = try FileManager.default.contentsOfDirectory(atPath: path + "/segments").filter { $0.hasSuffix(".seg") }
        var r = try CLI.run(["inspect", "--store", path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("manifest: \(segments.count) segments, \(segments.count) matching their files"), "\(r.stdout)")
        #expect(r.stdout.contains("current"))
        let j = try json(try CLI.run(["inspect", path, "--format", "json"]).stdout)
        let m = try #require(j["manifest"] as? [String: Any])
        #expect(m["segments"] as? Int == segments.count && m["current"] as? Bool == true)

        let manifest = path + "/MANIFEST"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: manifest)))
        bytes[bytes.count - 3] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: manifest))
        r = try CLI.run(["inspect", "--store", path])
        #expect(r.status == 0 && r.stdout.contains("manifest: DAMAGED"), "\(r.stdout)")

        try FileManager.default.removeItem(atPath: manifest)
        r = try CLI.run(["inspect", "--store", path])
        #expect(r.stdout.contains("manifest: none"), "\(r.stdout)")
    }
}
