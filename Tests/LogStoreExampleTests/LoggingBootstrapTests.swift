import Foundation
import Testing
import LogStore

/// The README's swift-log set-up works as documented: a program bootstrapped into LogStore exactly as
/// README.md says (Examples/LoggingBootstrap, a process of its own, since the logging system can be
/// bootstrapped once per process) logs from many tasks, and every log call shows up in a query.
@Suite struct LoggingBootstrapTests {
    /// The example program, built next to this test bundle by `swift build --build-tests`.
    static let executable: String? = BuiltExecutable.path("LogStoreLoggingExample")

    @Test func everyLogCallOfManyTasksShowsUpInAQueryAfterTheReadmeBootstrap() throws {
        let exe = try #require(Self.executable, "LogStoreLoggingExample is not built next to the tests")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("logstore-bootstrap-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tasks = 8, perTask = 2_500
        let process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = [dir, "\(tasks)", "\(perTask)"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        if exited.wait(timeout: .now() + 120) == .timedOut {
            process.terminate()
            Issue.record("the example did not finish within 120 s")
            return
        }
        let text = String(decoding: output, as: UTF8.self)
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(text)")
        #expect(text.contains("closed"), "\(text)")

        var options = StoreOptions()
        options.readOnly = true
        let store = try LogStore.open(at: dir, options: options)
        defer { try? store.close() }
        let records = try store.records(LogQuery())
        #expect(records.count == tasks * perTask, "every log call is stored once: \(records.count) of \(tasks * perTask); \(text)")
        var seen = Set<String>()
        for r in records {
            #expect(r.level == .error)
            let id = try #require(r.correlationID, "correlation_id metadata becomes the correlation ID")
            #expect(r.message == "log \(id.split(separator: "-")[1]) of task \(id.split(separator: "-")[0])")
            #expect(r.source == "task-\(id.split(separator: "-")[0])", "the logger's label is the source")
            seen.insert(id)
        }
        let expected = Set((0..<tasks).flatMap { t in (0..<perTask).map { "\(t)-\($0)" } })
        #expect(seen == expected, "missing: \(expected.subtracting(seen).sorted().prefix(5))")
        #expect(try store.count(LogQuery(sources: ["task-3"])) == perTask)
    }
}
