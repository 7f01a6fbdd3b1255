import ArgumentParser
import LogStore
import Glibc

/// The `logstore` command-line tool.
struct LogStoreCLI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logstore",
        abstract: "Store structured logs durably and find them again fast.",
        discussion: """
        The store directory comes from --store (before or after the subcommand), else $LOGSTORE_DIR, else
        ./logstore-data.
        Exit status: 0 success, 1 data problems (rejected lines, damage found, store errors), 2 usage errors.
        Colours only on terminals, never with NO_COLOR set. Every command has --format json (or ndjson).

        Examples:
          logstore ingest app.ndjson
          logstore --store /var/lib/logstore count --since 1h
          logstore query --where 'level >= warning and attr.status >= 500'
          logstore trace 3f2a9c1e-7b7d-4c11-9f0e-2b1c4d5e6f70
          logstore stats --since 1h --by source --field latency_ms
          logstore --generate-completion-script bash > /etc/bash_completion.d/logstore
        """,
        subcommands: [IngestCommand.self, QueryCommand.self, CountCommand.self, TailCommand.self, TraceCommand.self,
                      StatsCommand.self, ExportCommand.self, InspectCommand.self, VerifyCommand.self,
                      ExpireCommand.self, CompactCommand.self, SampleCommand.self, CrashWriterCommand.self, ServeCommand.self,
                      ForwardCommand.self]
    )
}

/// Entry point: maps ArgumentParser's usage errors to exit status 2 and store errors to one sentence
/// and exit status 1.
@main
enum Main {
    static func main() {
        do {
            var command = try LogStoreCLI.parseAsRoot(GlobalOptions.reordered(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch let error as LogStoreError {
            Output.error(error.description)
            exit(1)
        } catch let error as CLIFailure {
            if !error.message.isEmpty { Output.error(error.message) }
            exit(error.status)
        } catch {
            let code = LogStoreCLI.exitCode(for: error)
            let message = LogStoreCLI.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                exit(0)
            }
            if !message.isEmpty { writeStderr(message + "\n") }
            exit(code == .validationFailure ? 2 : (code.rawValue == 0 ? 1 : code.rawValue))
        }
    }
}

/// A failure the command already explained, with its exit status.
struct CLIFailure: Error {
    var status: Int32
    var message: String

    static func data(_ message: String) -> CLIFailure { CLIFailure(status: 1, message: message) }
    static func usage(_ message: String) -> CLIFailure { CLIFailure(status: 2, message: message) }
}
