import Foundation
import Testing
import LogStore

/// Runs the real `logstore` binary built next to this test bundle.
enum CLI {
    static let executable: String? = BuiltExecutable.path("logstore")

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `logstore ARGS` with stdout and stderr to files (never a terminal). `NO_COLOR` and
    /// `LOGSTORE_DIR` are removed from the environment unless given in `env`.
    static func run(_ args: [String], env: [String: String] = [:]) throws -> Result {
        let exe = try #require(executable, "the logstore binary is not built next to the tests")
        let dir = TempDir()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = nil
        environment["LOGSTORE_DIR"] = nil
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        let outPath = dir.path + "/out", errPath = dir.path + "/err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return Result(status: p.terminationStatus,
                      stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// Runs `logstore ARGS` on a pseudo-terminal through util-linux `script`; returns what the terminal showed.
    static func runOnTerminal(_ args: [String], env: [String: String] = [:]) throws -> Result {
        let exe = try #require(executable, "the logstore binary is not built next to the tests")
        let command = ([exe] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let envPrefix = env.map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
        let shell = (env["NO_COLOR"] == nil ? "unset NO_COLOR; " : "") + "TERM=xterm " + envPrefix + " " + command
        return try runProcess("/usr/bin/script", ["-qefc", shell, "/dev/null"])
    }

    static func runProcess(_ exe: String, _ args: [String]) throws -> Result {
        let dir = TempDir()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let outPath = dir.path + "/out"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        p.standardError = p.standardOutput
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "", stderr: "")
    }
}


let nanosPerSecond: Int64 = 1_000_000_000

func nowNanos() -> Int64 { Int64(Date().timeIntervalSince1970 * 1e9) }

/// Writes `records` into a new store at `path` and closes it (everything flushed into segments).
func makeStore(_ path: String, _ records: [LogRecord], blockSize: Int = 64 << 10) throws {
    var options = StoreOptions(durability: .none)
    options.blockSize = blockSize
    let store = try LogStore.open(at: path, options: options)
    _ = try store.append(records)
    try store.close()
}

func record(_ t: Int64, _ level: LogLevel = .info, source: String = "api", id: String? = nil, _ message: String,
            _ attributes: [Attribute] = []) -> LogRecord {
    LogRecord(timestamp: t, level: level, source: source, correlationID: id, message: message, attributes: attributes)
}

/// Parses one JSON document.
func json(_ text: String) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(object as? [String: Any], "not a JSON object: \(text.prefix(200))")
}

extension String {
    var hasEscapeCodes: Bool { contains("\u{1B}[") }
}
