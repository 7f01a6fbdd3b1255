import Foundation
import Testing
import LogStore

@Suite struct ExportCLITests {
    static func store(_ dir: TempDir) throws -> String {
        let t0 = nowNanos() - 600 * nanosPerSecond
        let path = dir.path + "/store"
        try makeStore(path, [
            record(t0, .info, id: "a", "plain"),
            record(t0 + 1, .error, "has, comma and \"quotes\"\nand a newline", [Attribute("status", .int(500))]),
            record(t0 + 2, .debug, "debug line"),
        ])
        return path
    }

    @Test func exportCSVHasAHeaderAndRFC4180Quoting() throws {
        let dir = TempDir()
        let path = try Self.store(dir)
        let r = try CLI.run(["export", "--store", path, "--format", "csv", "--where", "level >= info"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("seq,timestamp,level,source,correlation_id,message,attributes\n"))
        #expect(r.stdout.contains(",info,api,a,plain,\n"))
        #expect(r.stdout.contains(",error,api,,\"has, comma and \"\"quotes\"\"\nand a newline\",\"{\"\"status\"\":500}\"\n"))
        #expect(!r.stdout.contains("debug line"))
    }

    @Test func exportNDJSONToAFileStreamsEveryRecord() throws {
        let dir = TempDir()
        let path = try Self.store(dir)
        let file = dir.path + "/out.ndjson"
        let r = try CLI.run(["export", "--store", path, "-o", file])
        #expect(r.status == 0)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("exported 3 records"))
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(try lines.map { try json(String($0))["level"] as? String } == ["info", "error", "debug"])
    }
}
