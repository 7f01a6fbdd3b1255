import Foundation
import Testing

@Suite struct ConventionsCLITests {
    static let commands = ["ingest", "query", "count", "tail", "trace", "stats", "export", "inspect", "verify", "expire", "compact", "sample", "serve", "forward"]

    @Test(arguments: commands)
    func everySubcommandHasHelpWithExamples(_ command: String) throws {
        let r = try CLI.run([command, "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Example"), "\(command) --help has no examples")
        #expect(!r.stdout.hasEscapeCodes)
    }

    @Test(arguments: ["count", "trace", "stats", "inspect", "verify", "expire", "query", "tail", "export"])
    func everyInspectingCommandTakesFormatJSON(_ command: String) throws {
        #expect(try CLI.run([command, "--help"]).stdout.contains("json"))
    }

    @Test func bashCompletionScriptListsTheNewCommands() throws {
        let r = try CLI.run(["--generate-completion-script", "bash"])
        #expect(r.status == 0)
        for c in ["inspect", "trace", "stats", "tail", "export", "--salvage"] { #expect(r.stdout.contains(c), "\(c)") }
    }

    @Test func usageErrorsExitTwoAndDataProblemsExitOne() throws {
        #expect(try CLI.run(["stats", "--by", "colour"]).status == 2)
        #expect(try CLI.run(["query", "--where", "level >"]).status == 2)
        let dir = TempDir()
        #expect(try CLI.run(["inspect", "--store", dir.path + "/missing"]).status == 1)
        #expect(try CLI.run(["count", "--store", dir.path + "/missing"]).status == 1)
    }

    @Test func countAndExpireTakeFormatJSON() throws {
        let dir = TempDir()
        let path = dir.path + "/store"
        try makeStore(path, [record(nowNanos() - nanosPerSecond, .error, "x")])
        #expect(try json(try CLI.run(["count", "--store", path, "--format", "json"]).stdout)["count"] as? Int == 1)
        #expect(try json(try CLI.run(["count", "--store", path, "--by-level", "--format", "json"]).stdout)["error"] as? Int == 1)
        #expect(try json(try CLI.run(["expire", "--store", path, "--format", "json"]).stdout)["segments_removed"] as? Int == 0)
    }

    @Test func storeMayComeBeforeTheSubcommand() throws {
        let dir = TempDir()
        let path = dir.path + "/store"
        try makeStore(path, [record(nowNanos() - nanosPerSecond, .error, "x"), record(nowNanos() - nanosPerSecond, .info, "y")])
        for arguments in [["--store", path, "count", "--format", "json"], ["--store=" + path, "count", "--format", "json"],
                          ["count", "--store", path, "--format", "json"]] {
            let r = try CLI.run(arguments)
            #expect(r.status == 0, "\(arguments): \(r.stderr)")
            #expect(try json(r.stdout)["count"] as? Int == 2, "\(arguments)")
        }
        // A store given first that does not exist is still the store used (not ./logstore-data): exit 1 naming it.
        let missing = try CLI.run(["--store", dir.path + "/missing", "count"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains(dir.path + "/missing"))
    }
}
