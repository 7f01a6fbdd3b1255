import Foundation
import LogStore
import LogStoreFormat

/// `logstore ingest FILE --store DIR --durability batch` run as a child process.
///
/// Build the binary first, at the repository root: `swift build -c release --product logstore`
/// (it lands in `.build/release/logstore`), or pass `--logstore PATH`.
struct CLIIngest {
    var executable: String

    /// The repository root, from this file's compile-time path (Benchmarks/Sources/LogBench/…).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The default binary location, or nil when none is built.
    static func locate(override: String?) -> String? {
        if let override { return override }
        let candidates = [
            repositoryRoot.appendingPathComponent(".build/release/logstore").path,
            FileManager.default.currentDirectoryPath + "/.build/release/logstore",
            FileManager.default.currentDirectoryPath + "/../.build/release/logstore",
        ]
        return candidates.first(where: Files.isExecutable)
    }

    enum Availability {
        case available
        case unavailable(String)
    }

    /// Whether the binary has an `ingest` subcommand (`logstore --help` lists it, `logstore ingest --help` exits 0).
    func availability(scratch: String) -> Availability {
        guard Files.isExecutable(executable) else { return .unavailable("no executable at \(executable)") }
        do {
            let top = try ChildProcess.run(executable, ["--help"], logPath: scratch + "/cli-help.log")
            guard top.output.contains("ingest") else {
                let first = top.output.split(separator: "\n").first.map(String.init) ?? ""
                return .unavailable("`logstore --help` lists no `ingest` subcommand (it printed \"\(first.prefix(60))\")")
            }
            let sub = try ChildProcess.run(executable, ["ingest", "--help"], logPath: scratch + "/cli-ingest-help.log")
            guard sub.status == 0 else { return .unavailable("`logstore ingest --help` exited with status \(sub.status)") }
            return .available
        } catch {
            return .unavailable("cannot run \(executable): \(error)")
        }
    }

    struct Result {
        var wall: Duration
        var storedRecords: Int
        var childPeakRSS: Int
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs one ingest into the fresh directory `store` and checks that the store holds every record.
    func run(file: String, store: String, expectedRecords: Int, logPath: String) throws -> Result {
        let outcome = try ChildProcess.run(executable, ["ingest", file, "--store", store, "--durability", "batch"],
                                           logPath: logPath)
        guard outcome.status == 0 else {
            throw Failure(description: "exit status \(outcome.status): \(outcome.output.suffix(300))")
        }
        let peak = outcome.peakRSS
        var o = StoreOptions()
        o.readOnly = true
        o.createIfMissing = false
        let s = try LogStore.open(at: store, options: o)
        let n = try s.count(LogQuery())
        try s.close()
        guard n == expectedRecords else {
            throw Failure(description: "the store holds \(n) records after ingest, expected \(expectedRecords)")
        }
        return Result(wall: outcome.wall, storedRecords: n, childPeakRSS: peak)
    }
}
