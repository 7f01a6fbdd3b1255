import Foundation
import Testing
import Glibc

/// The real `logstore` binary running `serve` on a free loopback port, its store in a temporary
/// directory; standard error goes to a file, where the "listening on port N" line is the readiness signal.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let directory: String
    let stderrPath: String
    private(set) var port = 0

    static let executable: String? = BuiltExecutable.path("logstore")

    /// Starts `logstore serve --listen 127.0.0.1:0 --store DIR ARGS` and waits until it listens.
    init(_ arguments: [String] = [], directory: String? = nil) throws {
        let exe = try #require(Self.executable, "the logstore binary is not built next to the tests")
        self.directory = directory ?? NSTemporaryDirectory() + "logstore-serve-proc-\(UUID().uuidString)"
        stderrPath = NSTemporaryDirectory() + "logstore-serve-err-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--store", self.directory] + arguments
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        port = try waitForPort()
    }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Waits for the readiness line `logstore serve` prints once it listens (`waitUntil` looks once more
    /// after the deadline: a thread not run for the whole timeout must not miss a line printed long ago).
    private func waitForPort(timeout: Duration = .seconds(60)) throws -> Int {
        var port: Int?
        waitUntil(timeout: timeout, every: .milliseconds(10)) {
            port = stderr.split(separator: "\n").first(where: { $0.hasPrefix("logstore serve: listening on port ") })
                .flatMap { Int($0.split(separator: " ").last ?? "") }
            return port != nil || !process.isRunning
        }
        if let port { return port }
        guard process.isRunning else { throw ProcessFailure(message: "the server exited: \(stderr)") }
        throw ProcessFailure(message: "the server did not listen within \(timeout): \(stderr)")
    }

    /// SIGTERM, then waits for the exit status.
    func terminate() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// SIGKILL: no chance to flush or close anything.
    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func removeFiles() {
        try? FileManager.default.removeItem(atPath: directory)
        try? FileManager.default.removeItem(atPath: stderrPath)
    }

    struct ProcessFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
